#!/usr/bin/env bash
# build -> plan -> apply -> plan -> drift, then alarm tests and a backtest over a seeded day, against a
# throwaway local sandbox (no AWS account needed).
# Needs `obsgen` on PATH (pip install -e . in a venv). The sandbox is stopped on exit, whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
HOST=127.0.0.1
PORT=4577  # monitors/obsgen.yaml: environments.local.endpoint
ENV=local
LOG="$(mktemp -t obsgen-sandbox.XXXXXX)"

# The sandbox accepts any credentials; never send real ones to it.
export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

command -v obsgen >/dev/null || { echo "obsgen is not on PATH (pip install -e . first)" >&2; exit 1; }

obsgen sandbox --host "$HOST" --port "$PORT" >"$LOG" 2>&1 &
SANDBOX_PID=$!
stop_sandbox() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap stop_sandbox EXIT

# Up to 60 s: the sandbox imports moto, which takes over 10 s on a loaded machine or on the first run
# of a fresh install (bytecode not compiled yet); it answers as soon as it listens.
for _ in $(seq 600); do
  grep -q "sandbox listening" "$LOG" && break
  if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
    echo "the sandbox did not start:" >&2; cat "$LOG" >&2; exit 1
  fi
  sleep 0.1
done
grep -q "sandbox listening" "$LOG" || { echo "the sandbox did not answer within 60 s" >&2; exit 1; }
cat "$LOG"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step obsgen build --check
obsgen build --check
step obsgen plan --env "$ENV"
obsgen plan --env "$ENV"
printf '\n\033[1m# the API function'"'"'s log group (Lambda makes it on its first invocation; obsgen never does)\033[0m\n'
python - "$HOST" "$PORT" <<'PY'
import sys, boto3
logs = boto3.client("logs", endpoint_url=f"http://{sys.argv[1]}:{sys.argv[2]}", region_name="us-east-1")
logs.create_log_group(logGroupName="/aws/lambda/stock-analysis-api-local")
print("/aws/lambda/stock-analysis-api-local")
PY
step obsgen apply --env "$ENV" --auto-approve
obsgen apply --env "$ENV" --auto-approve
step obsgen plan --env "$ENV" --detailed-exitcode
obsgen plan --env "$ENV" --detailed-exitcode   # 0: nothing left to change
step obsgen drift --env "$ENV"
obsgen drift --env "$ENV"                      # 0: in sync

printf '\n\033[1m# someone raises a threshold and edits a log monitor'"'"'s filter pattern by hand (here: boto3 against the sandbox)\033[0m\n'
python - "$HOST" "$PORT" <<'PY'
import sys, boto3
cw = boto3.client("cloudwatch", endpoint_url=f"http://{sys.argv[1]}:{sys.argv[2]}", region_name="us-east-1")
alarm = cw.describe_alarms(AlarmNames=["stock-analysis-api-latency-local"])["MetricAlarms"][0]
keys = ("AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
        "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
        "ComparisonOperator", "TreatMissingData")
cw.put_metric_alarm(**{k: alarm[k] for k in keys if k in alarm}, Threshold=99999)
print("stock-analysis-api-latency-local: Threshold 5000 -> 99999")
logs = boto3.client("logs", endpoint_url=f"http://{sys.argv[1]}:{sys.argv[2]}", region_name="us-east-1")
[found] = logs.describe_metric_filters(logGroupName="/aws/lambda/stock-analysis-api-local")["metricFilters"]
logs.put_metric_filter(logGroupName=found["logGroupName"], filterName=found["filterName"], filterPattern="timeout",
                       metricTransformations=found["metricTransformations"])
print(f'{found["filterName"]}: filter pattern \'"Task timed out"\' -> \'timeout\'')
PY
step obsgen drift --env "$ENV"
set +e
obsgen drift --env "$ENV"                      # 2: drift, naming the fields (Threshold, filterPattern)
status=$?
set -e
[ "$status" -eq 2 ] || { echo "expected drift (exit 2), got $status" >&2; exit 1; }
step obsgen apply --env "$ENV" --auto-approve
obsgen apply --env "$ENV" --auto-approve       # puts the spec's threshold and filter pattern back
step obsgen drift --env "$ENV"
obsgen drift --env "$ENV"                      # 0 again

step obsgen test
obsgen test                                    # CloudWatch alarm tests (offline) and promtool groups

printf '\n\033[1m# a day of synthetic metrics: DynamoDB write throttling at 03:00 and 15:00 for 10 minutes,\n'
printf '# API 5XX errors at 09:00 for 20 minutes, Lambda errors at 09:10 for 20 minutes (PutMetricData)\033[0m\n'
python - "$HOST" "$PORT" <<'PY'
import sys, time
from datetime import datetime, timezone
import boto3
cw = boto3.client("cloudwatch", endpoint_url=f"http://{sys.argv[1]}:{sys.argv[2]}", region_name="us-east-1")
end = int(time.time()) // 60 * 60
start = end - 86400
day = start - start % 86400  # the bursts at fixed hours of the window's first day, then again a day later
bursts = {
    ("AWS/DynamoDB", "WriteThrottleEvents", "TableName", "stock-analyses-local"): [(3 * 60, 10, 4.0), (15 * 60, 10, 4.0)],
    ("AWS/DynamoDB", "ReadThrottleEvents", "TableName", "stock-analyses-local"): [],
    ("AWS/ApiGateway", "5XXError", "ApiName", "Stock Analysis API - local"): [(9 * 60, 20, 3.0)],
    ("AWS/Lambda", "Errors", "FunctionName", "stock-analysis-api-local"): [(9 * 60 + 10, 20, 2.0)],
}
sent = 0
for (namespace, name, dimension, value), spans in bursts.items():
    data = []
    for t in range(start, end, 60):
        minute = (t - day) // 60 % 1440
        level = next((v for begin, length, v in spans if begin <= minute < begin + length), 0.0)
        data.append({"MetricName": name, "Dimensions": [{"Name": dimension, "Value": value}],
                     "Timestamp": datetime.fromtimestamp(t, tz=timezone.utc), "Value": level})
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i:i + 500])
    sent += len(data)
print(f"{sent} datapoints over the last 24 hours, in 4 metrics")
PY
step obsgen backtest --env "$ENV" --days 1
obsgen backtest --env "$ENV" --days 1          # what the alarms would have done with that day
step obsgen backtest --env "$ENV" --days 1 --monitor stock-system/system-health --format markdown
obsgen backtest --env "$ENV" --days 1 --monitor stock-system/system-health --format markdown

printf '\n\033[1m# what only the account knows: has each alarm'"'"'s metric been published lately, does each topic reach a\n'
printf '# person (the sandbox has no Slack function, and confirms subscriptions at once), can each log monitor match\033[0m\n'
step obsgen validate --env "$ENV" --live
set +e
obsgen validate --env "$ENV" --live            # 1 here: the Slack channel's function does not exist in the sandbox
status=$?
set -e
[ "$status" -le 1 ] || { echo "validate --live failed (exit $status)" >&2; exit 1; }

printf '\nDemo complete: generated/ is current, the %s environment was applied, a second plan was empty,\n' "$ENV"
printf 'two hand edits were caught by drift (exit 2) and reverted by apply, and drift is 0; the alarm tests\n'
printf 'passed offline, a backtest replayed the alarms over a day of seeded metrics, and validate --live\n'
printf 'asked the account what the spec cannot say (published metrics, confirmed subscriptions, log groups).\n'
printf 'Also compiled: the runbook site (open generated/site/index.html), Markdown runbooks in\n'
printf 'generated/runbooks/, dashboards in generated/<env>/cloudwatch/dashboards/ and generated/<env>/grafana/.\n'
