// Integration test: an A/B endpoint (two weighted variants with auto scaling, alarms, data capture, KMS) and its data
// quality monitor, serving a scikit-learn model that needs no training (assets/echo-model: each CSV row answered with
// its sum).
// Snapshot: `npx projen integ:ab-endpoint:snapshot`; asserted by `npm test` (`integ:ab-endpoint:assert`).
// Deploy-run in an AWS account: `npx projen integ:ab-endpoint:deploy` (README, "Integration tests").
import * as fs from 'fs';
import * as path from 'path';
import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { AbTestEndpoint, ContainerImage, DataQualityMonitor, InstanceType, MonitoredEndpoint, MonitoringScheduleExpression } from '../../src';
import { listSourceFiles, tarGz } from '../../src/shared/source-archive';

// No stack traces in the metadata: they hold this clone's absolute paths, and the snapshot is compared on other machines.
const app = new App({ stackTraces: false, context: { 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'IntegAbEndpoint');

// model.tar.gz with code/inference.py, built byte for byte the same on every synth, under a path relative to the
// project (the alpha module names the asset after its path): the snapshot is the same in any clone.
const modelDir = path.join(__dirname, 'assets', 'echo-model');
const modelTarball = path.join('test', 'integ', '.tmp', 'echo-model', 'model.tar.gz');
fs.mkdirSync(path.dirname(modelTarball), { recursive: true });
fs.writeFileSync(modelTarball, tarGz(modelDir, listSourceFiles(modelDir)));
const image = ContainerImage.sklearn('1.2-1').toSageMakerAlpha();
const model = (id: string) => new sagemaker_alpha.Model(stack, id, {
  containers: [{
    image,
    modelData: sagemaker_alpha.ModelData.fromAsset(modelTarball),
    environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' },
  }],
});

const endpoint = new AbTestEndpoint(stack, 'Endpoint', {
  variants: [
    { variantName: 'champion', model: model('Champion'), weight: 90, instanceType: InstanceType.ML_M5_LARGE, autoScaling: { maxCapacity: 2, maxRequestsPerSecond: 5 } },
    { variantName: 'challenger', model: model('Challenger'), weight: 10, instanceType: InstanceType.ML_M5_LARGE },
  ],
  dataCapture: { samplingPercentage: 100 },
});

// A data quality monitor on the captured traffic, daily (no baselines: each job reports the data's statistics).
const monitor = new DataQualityMonitor(stack, 'DataQuality', {
  endpoint: MonitoredEndpoint.fromAbTestEndpoint(endpoint),
  schedule: MonitoringScheduleExpression.daily(3),
  instanceType: InstanceType.ML_M5_LARGE,
});

const integ = new IntegTest(app, 'AbEndpointInteg', { testCases: [stack] });
integ.assertions.awsApiCall('SageMaker', 'describeEndpoint', { EndpointName: endpoint.endpoint.endpointName })
  .expect(ExpectedResult.objectLike({
    EndpointStatus: 'InService',
    ProductionVariants: [
      { VariantName: 'champion', CurrentWeight: 90 },
      { VariantName: 'challenger', CurrentWeight: 10 },
    ],
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.minutes(1) });
integ.assertions.awsApiCall('SageMaker', 'describeMonitoringSchedule', { MonitoringScheduleName: monitor.monitoringScheduleName })
  .expect(ExpectedResult.objectLike({ MonitoringScheduleStatus: 'Scheduled', MonitoringScheduleConfig: { MonitoringType: 'DataQuality' } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.minutes(1) });

app.synth();
