"""Alarms another infrastructure-as-code tool owns, recognised by the tags it leaves.

CloudFormation (and so CDK and SAM, which deploy through it) tags what a stack creates with
`aws:cloudformation:stack-name`, `aws:cloudformation:stack-id` and `aws:cloudformation:logical-id`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html).
Terraform tags nothing by itself; teams mark what it manages by convention (`ManagedBy=terraform`,
`terraform=true`, a `tf:`/`terraform:` key such as `terraform:workspace`, or the state's path in
`TerraformState`), which is what is recognised here. Such an alarm imported and applied would then be
changed by two tools: it must first leave the other tool's state without being deleted
(docs/adopting.md says how for each).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..conventions import TAG_CFN_STACK

CFN_STACK = TAG_CFN_STACK
CFN_LOGICAL_ID = "aws:cloudformation:logical-id"
_TERRAFORM_VALUES = ("terraform", "tf", "opentofu")


@dataclass(frozen=True, slots=True)
class Owner:
    tool: str  # "CloudFormation" or "Terraform"
    detail: str  # the stack and logical id, or the tag that says so

    def sentence(self) -> str:
        return f"managed by {self.tool} ({self.detail})"


def other_owner(tags: dict[str, str] | None) -> Owner | None:
    """The tool that manages a resource with these tags, if any."""
    tags = tags or {}
    if CFN_STACK in tags:
        logical = tags.get(CFN_LOGICAL_ID)
        return Owner("CloudFormation", f"stack {tags[CFN_STACK]}" + (f", logical id {logical}" if logical else ""))
    for key, value in sorted(tags.items()):
        lowered = key.lower()
        if lowered.startswith(("tf:", "terraform:", "terraform_")) or lowered in ("terraformstate", "terraform"):
            return Owner("Terraform", f"tag {key}={value}")
        if lowered in ("managedby", "managed-by", "managed_by", "provisioner", "createdby", "created-by") \
                and value.lower() in _TERRAFORM_VALUES:
            return Owner("Terraform", f"tag {key}={value}")
    return None
