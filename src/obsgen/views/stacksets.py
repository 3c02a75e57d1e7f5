"""`obsgen stackset plan/apply` as text: what changes in the StackSet, then its instances per target
(account or organizational unit) and region. Formatting only."""

from __future__ import annotations

from ..aws.stacksets import Instance, StackSetPlan

_ACTION = {"create": "to create", "update": "to update", "none": "up to date"}


def plan_text(plan: StackSetPlan) -> str:
    head = f"StackSet {plan.name}: {_ACTION[plan.action]}"
    if plan.reasons:
        head += f" ({', '.join(plan.reasons)} changed)"
    lines = [head]
    lines += [f"  + {i.target} {i.region}: instance to create" for i in plan.to_add]
    lines += [f"    {line}" for line in instances_lines(plan.current)]
    lines += [f"  ! {i.target} {i.region}: not in the definition; left as it is (delete it with "
              "`aws cloudformation delete-stack-instances` on purpose)" for i in plan.unnamed]
    if not plan.has_changes:
        lines.append("No changes.")
    return "\n".join(lines) + "\n"


def instances_lines(instances: list[Instance]) -> list[str]:
    return [f"{i.target} {i.region}: {i.status}" + (f" ({i.detail})" if i.detail else "") for i in instances]


def apply_text(name: str, instances: list[Instance]) -> str:
    return "\n".join([f"StackSet {name}: {len(instances)} instance(s)", *(f"  {line}" for line in
                                                                         instances_lines(instances))]) + "\n"
