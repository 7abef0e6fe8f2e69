package offline

import (
	"fmt"
	"strings"
)

// account is the AWS account the mock cloud runs in.
const account = "123456789012"

func awsARN(o *Out, service, res string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, o.Region, account, res)
}

// awsOutputs are what the cloud computes for each of its resource types.
var awsOutputs = map[string]func(o *Out){
	"aws:ec2/vpc:Vpc": func(o *Out) {
		o.ID = "vpc-" + o.Hash[:17]
		o.Set("arn", awsARN(o, "ec2", "vpc/"+o.ID))
		o.Set("defaultSecurityGroupId", "sg-"+o.Hash[17:34])
		o.Set("mainRouteTableId", "rtb-"+o.Hash[17:34])
	},
	"aws:ec2/subnet:Subnet": func(o *Out) {
		o.ID = "subnet-" + o.Hash[:17]
		o.Set("arn", awsARN(o, "ec2", "subnet/"+o.ID))
	},
	"aws:ec2/internetGateway:InternetGateway": func(o *Out) { o.ID = "igw-" + o.Hash[:17] },
	"aws:ec2/eip:Eip": func(o *Out) {
		o.ID = "eipalloc-" + o.Hash[:17]
		o.Set("allocationId", o.ID)
		o.Set("publicIp", fmt.Sprintf("203.0.113.%d", int(o.Hash[0])%250+1))
	},
	"aws:ec2/natGateway:NatGateway": func(o *Out) { o.ID = "nat-" + o.Hash[:17] },
	"aws:ec2/routeTable:RouteTable": func(o *Out) { o.ID = "rtb-" + o.Hash[:17] },
	"aws:ec2/securityGroup:SecurityGroup": func(o *Out) {
		o.ID = "sg-" + o.Hash[:17]
		o.Set("arn", awsARN(o, "ec2", "security-group/"+o.ID))
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(o *Out) {
		o.ID = "lt-" + o.Hash[:17]
		o.Set("latestVersion", 1)
		o.Set("arn", awsARN(o, "ec2", "launch-template/"+o.ID))
	},
	"aws:iam/role:Role": func(o *Out) {
		name := o.R.Name + "-" + o.Hash[:7]
		o.ID = name
		o.Set("name", name)
		o.Set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name))
		o.Set("uniqueId", "AROA"+strings.ToUpper(o.Hash[:17]))
	},
	"aws:iam/instanceProfile:InstanceProfile": func(o *Out) {
		name := o.R.Name + "-" + o.Hash[:7]
		o.ID = name
		o.Set("name", name)
		o.Set("arn", fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", account, name))
	},
	// An S3 bucket named from its prefix gets a unique suffix of 26 characters (pulumi-aws
	// s3.BucketV2 bucketPrefix); its ARN has neither region nor account.
	"aws:s3/bucketV2:BucketV2": func(o *Out) {
		name := o.In("bucket")
		if name == "" {
			name = o.In("bucketPrefix") + o.Hash[:26]
		}
		o.ID = name
		o.Set("bucket", name)
		o.Set("arn", "arn:aws:s3:::"+name)
		o.Set("bucketRegionalDomainName", name+".s3."+o.Region+".amazonaws.com")
	},
	"aws:kms/key:Key": func(o *Out) {
		h := o.Hash
		o.ID = fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
		o.Set("keyId", o.ID)
		o.Set("arn", awsARN(o, "kms", "key/"+o.ID))
	},
	"aws:cloudwatch/logGroup:LogGroup": func(o *Out) {
		name := o.In("name")
		if name == "" {
			name = o.R.Name + "-" + o.Hash[:7]
		}
		o.ID = name
		o.Set("name", name)
		o.Set("arn", awsARN(o, "logs", "log-group:"+name))
	},
	"aws:eks/cluster:Cluster": func(o *Out) {
		name, h := o.In("name"), o.Hash
		o.ID = name
		endpointID := strings.ToUpper(h[:32])
		o.Set("arn", awsARN(o, "eks", "cluster/"+name))
		o.Set("endpoint", fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", endpointID, o.Region))
		o.Set("certificateAuthority", map[string]any{"data": fakeCA(name)})
		o.Set("identities", []any{map[string]any{"oidcs": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", o.Region, endpointID),
		}}}})
		o.Set("status", "ACTIVE")
		o.Set("platformVersion", "eks.1")
		o.Set("clusterId", h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:32])
	},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(o *Out) {
		host := strings.TrimPrefix(o.In("url"), "https://")
		o.ID = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", account, host)
		o.Set("arn", o.ID)
		o.Set("url", host)
	},
	"aws:eks/nodeGroup:NodeGroup": func(o *Out) {
		c := o.In("clusterName")
		o.ID = c + ":" + o.R.Name + "-" + o.Hash[:7]
		o.Set("arn", awsARN(o, "eks", "nodegroup/"+c+"/"+o.R.Name+"/"+o.Hash[:8]))
		o.Set("status", "ACTIVE")
		o.SetIfAbsent("nodeGroupName", o.R.Name+"-"+o.Hash[:7])
	},
	"aws:eks/addon:Addon": func(o *Out) {
		c, a := o.In("clusterName"), o.In("addonName")
		o.ID = c + ":" + a
		o.Set("arn", awsARN(o, "eks", "addon/"+c+"/"+a+"/"+o.Hash[:8]))
	},
	"aws:eks/accessEntry:AccessEntry": func(o *Out) {
		c := o.In("clusterName")
		o.ID = c + ":" + o.In("principalArn")
		o.Set("accessEntryArn", awsARN(o, "eks", "access-entry/"+c+"/"+o.Hash[:8]))
	},
	// Self-managed clusters (kost:aws:SelfManagedCluster): instances, the API load balancer and the
	// worker Auto Scaling groups.
	"aws:ec2/instance:Instance": func(o *Out) {
		o.ID = "i-" + o.Hash[:17]
		o.Set("arn", awsARN(o, "ec2", "instance/"+o.ID))
		ip := fmt.Sprintf("10.%d.%d.%d", int(o.Hash[0])%250, int(o.Hash[1])%250, int(o.Hash[2])%250+1)
		o.Set("privateIp", ip)
		o.Set("privateDns", "ip-"+strings.ReplaceAll(ip, ".", "-")+"."+o.Region+".compute.internal")
		o.Set("instanceState", "running")
	},
	"aws:lb/loadBalancer:LoadBalancer": func(o *Out) {
		name := o.In("name")
		if name == "" {
			name = o.R.Name
			if len(name) > 24 {
				name = name[:24]
			}
			name += "-" + o.Hash[:7]
		}
		o.Set("name", name)
		o.ID = awsARN(o, "elasticloadbalancing", "loadbalancer/net/"+name+"/"+o.Hash[:16])
		o.Set("arn", o.ID)
		o.Set("arnSuffix", "net/"+name+"/"+o.Hash[:16])
		o.Set("dnsName", fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name, o.Hash[16:32], o.Region))
		o.Set("zoneId", "Z2IFOLAFXWLO4F")
	},
	"aws:lb/targetGroup:TargetGroup": func(o *Out) {
		name := o.R.Name
		if len(name) > 24 {
			name = name[:24]
		}
		name += "-" + o.Hash[:7]
		o.Set("name", name)
		o.ID = awsARN(o, "elasticloadbalancing", "targetgroup/"+name+"/"+o.Hash[:16])
		o.Set("arn", o.ID)
		o.Set("arnSuffix", "targetgroup/"+name+"/"+o.Hash[:16])
	},
	"aws:lb/listener:Listener": func(o *Out) {
		o.ID = awsARN(o, "elasticloadbalancing", "listener/net/"+o.R.Name+"/"+o.Hash[:16]+"/"+o.Hash[16:32])
		o.Set("arn", o.ID)
	},
	"aws:autoscaling/group:Group": func(o *Out) {
		name := o.In("name")
		if name == "" {
			name = o.R.Name + "-" + o.Hash[:7]
		}
		o.ID = name
		o.Set("name", name)
		o.Set("arn", awsARN(o, "autoscaling", "autoScalingGroup:"+o.Hash[:8]+"-"+o.Hash[8:12]+":autoScalingGroupName/"+name))
	},
}
