"""What a `resource:` handle means in CloudWatch: its namespace and the dimension naming it.

Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/aws-services-cloudwatch-metrics.html
A type with several identifying dimensions (e.g. an ECS service, which also needs ClusterName)
takes the others from the resource's `dimensions:`; `required` lists them so the spec is
checked before AWS silently alarms on a metric that never reports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResourceType:
    namespace: str | None  # None: the resource gives it (type "custom")
    dimension: str | None  # the dimension whose value is the resource's name
    required: tuple[str, ...] = ()


RESOURCE_TYPES: dict[str, ResourceType] = {
    "lambda": ResourceType("AWS/Lambda", "FunctionName"),
    "apigateway": ResourceType("AWS/ApiGateway", "ApiName"),
    "apigateway-v2": ResourceType("AWS/ApiGateway", "ApiId"),
    "dynamodb": ResourceType("AWS/DynamoDB", "TableName"),
    "dynamodb-gsi": ResourceType("AWS/DynamoDB", "GlobalSecondaryIndexName", ("TableName",)),
    "sqs": ResourceType("AWS/SQS", "QueueName"),
    "sns": ResourceType("AWS/SNS", "TopicName"),
    "ecs-service": ResourceType("AWS/ECS", "ServiceName", ("ClusterName",)),
    "ecs-cluster": ResourceType("AWS/ECS", "ClusterName"),
    "alb": ResourceType("AWS/ApplicationELB", "LoadBalancer"),
    "alb-target-group": ResourceType("AWS/ApplicationELB", "TargetGroup", ("LoadBalancer",)),
    "rds": ResourceType("AWS/RDS", "DBInstanceIdentifier"),
    "rds-cluster": ResourceType("AWS/RDS", "DBClusterIdentifier"),
    "elasticache": ResourceType("AWS/ElastiCache", "CacheClusterId"),
    "s3": ResourceType("AWS/S3", "BucketName", ("StorageType",)),
    "s3-requests": ResourceType("AWS/S3", "BucketName", ("FilterId",)),  # request metrics: a filter per bucket
    "kinesis": ResourceType("AWS/Kinesis", "StreamName"),
    "step-functions": ResourceType("AWS/States", "StateMachineArn"),
    "ec2": ResourceType("AWS/EC2", "InstanceId"),
    "cloudfront": ResourceType("AWS/CloudFront", "DistributionId", ("Region",)),
    "custom": ResourceType(None, None),
}
