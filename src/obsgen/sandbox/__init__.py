"""The local AWS sandbox (`obsgen sandbox`, the [sandbox] extra): moto's server (`server.py`) with the
CloudWatch behaviour moto lacks (`cloudwatch.py`: composite alarms, DescribeAlarms pagination and
AlarmTypes, AWS's validation; `dashboards.py`: PutDashboard's checks). Importing this package needs
nothing; its modules need moto."""
