// The AWS CDK side of benchmarks/cdk_compare.py (issue #22, target 5): the CloudWatch alarms obsgen
// generated, made again as CDK constructs and synthesized to CloudFormation, so both tools do the same
// work: every alarm's properties, in, checked and out as a deployable document.
//
//   OBSGEN_CLOUDWATCH=DIR node app.js         # the CDK's synth alone (app.synth())
//   OBSGEN_CLOUDWATCH=DIR npx cdk synth -q    # what a CDK user runs (cdk.json names this app)
//
// DIR is an environment's generated/<env>/cloudwatch/: one JSON file per service, whose MetricAlarms
// and CompositeAlarms are PutMetricAlarm / PutCompositeAlarm parameters. Each becomes a CfnAlarm /
// CfnCompositeAlarm with the same properties (the API's PascalCase keys in the L1 constructs'
// camelCase), which the CDK validates and renders as AWS::CloudWatch::Alarm / CompositeAlarm.
//
// Stacks hold at most 500 alarms: CloudFormation's limit of 500 resources per stack, which the CDK
// enforces at synth (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
// A composite alarm depends on the alarms its rule names when they are in its stack (CloudFormation
// must create them first); across stacks it names them by ARN only, as obsgen's apply does.
'use strict';

const fs = require('fs');
const path = require('path');
const cdk = require('aws-cdk-lib');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');

const STACK_LIMIT = 500;

// PutMetricAlarm's PascalCase keys -> the L1 props' camelCase (OKActions is the one acronym).
function camel(value) {
  if (Array.isArray(value)) return value.map(camel);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = key === 'OKActions' ? 'okActions' : key[0].toLowerCase() + key.slice(1);
    out[name] = camel(inner);
  }
  return out;
}

function readAlarms(dir) {
  const metric = [];
  const composite = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    metric.push(...(doc.MetricAlarms || []));
    composite.push(...(doc.CompositeAlarms || []));
  }
  return { metric, composite };
}

function logicalId(name) {
  return name.replace(/[^A-Za-z0-9]/g, '');
}

function main() {
  const dir = process.env.OBSGEN_CLOUDWATCH;
  if (!dir) throw new Error('set OBSGEN_CLOUDWATCH to a generated/<env>/cloudwatch/ directory');
  const { metric, composite } = readAlarms(dir);
  // Under `cdk synth` the CLI names the output directory (CDK_OUTDIR); alone, the app writes cdk.out/.
  const app = new cdk.App(process.env.CDK_OUTDIR ? {} : { outdir: 'cdk.out' });
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT || '123456789012', region: process.env.CDK_DEFAULT_REGION || 'eu-west-1' };
  let stack = null;
  let count = 0;
  let stacks = 0;
  const byName = new Map(); // alarm name -> [stack, construct]
  const place = () => {
    if (stack === null || count === STACK_LIMIT) {
      stack = new cdk.Stack(app, `Alarms${stacks}`, { env });
      stacks += 1;
      count = 0;
    }
    count += 1;
    return stack;
  };
  for (const params of metric) {
    const where = place();
    byName.set(params.AlarmName, [where, new cloudwatch.CfnAlarm(where, logicalId(params.AlarmName), camel(params))]);
  }
  for (const params of composite) {
    const where = place();
    const alarm = new cloudwatch.CfnCompositeAlarm(where, logicalId(params.AlarmName), camel(params));
    for (const match of params.AlarmRule.matchAll(/(?:ALARM|OK|INSUFFICIENT_DATA)\("?([^")]+)"?\)/g)) {
      const child = byName.get(match[1]);
      if (child && child[0] === where) alarm.addResourceDependency(child[1]);
    }
    byName.set(params.AlarmName, [where, alarm]);
  }
  app.synth();
  process.stderr.write(`${metric.length} metric alarms, ${composite.length} composite alarms, ${stacks} stacks\n`);
}

main();
