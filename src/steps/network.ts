import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Network settings of a SageMaker job or model.
 */
export interface NetworkConfig {
  /**
   * The VPC to run in.
   * @default - SageMaker's network, not a VPC of yours
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets to run in, when a VPC is given.
   * @default - the VPC's private subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * The security groups, when a VPC is given.
   * @default - a security group is created
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Whether the containers have no network access at all.
   * @default false
   */
  readonly enableNetworkIsolation?: boolean;
  /**
   * Whether traffic between the instances of a distributed job is encrypted.
   * @default false
   */
  readonly encryptInterContainerTraffic?: boolean;
}

/** The VpcConfig of a job or model, and the role's network-interface permissions. @internal */
export function renderVpcConfig(scope: Construct, network: NetworkConfig | undefined, grantee: iam.IGrantable): any {
  if (!network?.vpc) {
    if (network?.subnets || network?.securityGroups) {
      throw new Error(`${scope.node.path}: network.subnets and network.securityGroups need network.vpc`);
    }
    return undefined;
  }
  const subnets = network.vpc.selectSubnets(network.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  let securityGroups = network.securityGroups;
  if (!securityGroups || securityGroups.length === 0) {
    let group = scope.node.tryFindChild('SecurityGroup') as ec2.SecurityGroup | undefined;
    if (!group) {
      group = new ec2.SecurityGroup(scope, 'SecurityGroup', {
        vpc: network.vpc,
        description: `SageMaker job of ${scope.node.path}`,
        allowAllOutbound: true,
      });
      // The instances of a distributed job talk to each other: SageMaker asks for inbound traffic between members of
      // the job's security group ("Give SageMaker Training Jobs Access to Resources in Your Amazon VPC",
      // https://docs.aws.amazon.com/sagemaker/latest/dg/train-vpc.html, and the same for processing jobs).
      group.connections.allowInternally(ec2.Port.allTraffic(), 'Traffic between the instances of the SageMaker job');
    }
    securityGroups = [group];
  }
  if (securityGroups.length > 5) {
    throw new Error(`${scope.node.path}: ${securityGroups.length} security groups given; SageMaker takes at most 5`);
  }
  iam.Grant.addToPrincipal({
    grantee,
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
      'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
      'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
    ],
    resourceArns: ['*'],
  });
  return { SecurityGroupIds: securityGroups.map((sg) => sg.securityGroupId), Subnets: subnets.subnetIds };
}
