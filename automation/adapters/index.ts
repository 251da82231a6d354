/**
 * The real adapters of the driver's ports: AWS SDK v3 (`AwsCloud`), the Pulumi Automation API
 * (`PulumiStacks`) and wall-clock time (`SystemClock`).
 */
export { AwsCallError, AwsCallTimeoutError } from "../cloud/aws/call";
export { AwsCloud, type AwsClientFactory, type AwsClientOptions, type AwsCloudOptions, defaultAwsClientFactory } from "../cloud/aws-cloud";
export { type AutomationStack, PulumiStacks, type PulumiStacksOptions, type SelectStack } from "./pulumi-stacks";
export { SystemClock } from "./system-clock";
