package config

import "fmt"

// RegionInfo is what kost knows of one cloud region.
type RegionInfo struct {
	Cloud Cloud
	Name  string
	Zones []string
	// Slot is the region's fixed position in the catalogue; the network planner derives a region's
	// default block from it, so adding or removing other regions never renumbers it.
	Slot int
}

// catalogue is append-only: the position of an entry is its planning slot. Never reorder or delete
// entries; retire a region by leaving it in place.
var catalogue = []struct {
	cloud Cloud
	name  string
	zones []string
}{
	// AWS: availability zone names (the letters each region offers).
	{AWS, "us-east-1", awsZones("us-east-1", "abcdef")},
	{AWS, "us-east-2", awsZones("us-east-2", "abc")},
	{AWS, "us-west-1", awsZones("us-west-1", "bc")},
	{AWS, "us-west-2", awsZones("us-west-2", "abcd")},
	{AWS, "ca-central-1", awsZones("ca-central-1", "abd")},
	{AWS, "eu-west-1", awsZones("eu-west-1", "abc")},
	{AWS, "eu-west-2", awsZones("eu-west-2", "abc")},
	{AWS, "eu-west-3", awsZones("eu-west-3", "abc")},
	{AWS, "eu-central-1", awsZones("eu-central-1", "abc")},
	{AWS, "eu-north-1", awsZones("eu-north-1", "abc")},
	{AWS, "eu-south-1", awsZones("eu-south-1", "abc")},
	{AWS, "ap-south-1", awsZones("ap-south-1", "abc")},
	{AWS, "ap-southeast-1", awsZones("ap-southeast-1", "abc")},
	{AWS, "ap-southeast-2", awsZones("ap-southeast-2", "abc")},
	{AWS, "ap-northeast-1", awsZones("ap-northeast-1", "acd")},
	{AWS, "ap-northeast-2", awsZones("ap-northeast-2", "abcd")},
	{AWS, "ap-northeast-3", awsZones("ap-northeast-3", "abc")},
	{AWS, "sa-east-1", awsZones("sa-east-1", "abc")},
	{AWS, "af-south-1", awsZones("af-south-1", "abc")},
	{AWS, "me-south-1", awsZones("me-south-1", "abc")},
	// GCP: zones are region-letter.
	{GCP, "us-central1", gcpZones("us-central1", "abcf")},
	{GCP, "us-east1", gcpZones("us-east1", "bcd")},
	{GCP, "us-east4", gcpZones("us-east4", "abc")},
	{GCP, "us-west1", gcpZones("us-west1", "abc")},
	{GCP, "us-west2", gcpZones("us-west2", "abc")},
	{GCP, "northamerica-northeast1", gcpZones("northamerica-northeast1", "abc")},
	{GCP, "europe-west1", gcpZones("europe-west1", "bcd")},
	{GCP, "europe-west2", gcpZones("europe-west2", "abc")},
	{GCP, "europe-west3", gcpZones("europe-west3", "abc")},
	{GCP, "europe-west4", gcpZones("europe-west4", "abc")},
	{GCP, "europe-north1", gcpZones("europe-north1", "abc")},
	{GCP, "asia-east1", gcpZones("asia-east1", "abc")},
	{GCP, "asia-northeast1", gcpZones("asia-northeast1", "abc")},
	{GCP, "asia-south1", gcpZones("asia-south1", "abc")},
	{GCP, "asia-southeast1", gcpZones("asia-southeast1", "abc")},
	{GCP, "australia-southeast1", gcpZones("australia-southeast1", "abc")},
	{GCP, "southamerica-east1", gcpZones("southamerica-east1", "abc")},
	// Azure: availability zones are 1, 2, 3 where the region has them.
	{Azure, "eastus", azureZones},
	{Azure, "eastus2", azureZones},
	{Azure, "centralus", azureZones},
	{Azure, "southcentralus", azureZones},
	{Azure, "westus2", azureZones},
	{Azure, "westus3", azureZones},
	{Azure, "westus", nil},
	{Azure, "northcentralus", nil},
	{Azure, "canadacentral", azureZones},
	{Azure, "brazilsouth", azureZones},
	{Azure, "northeurope", azureZones},
	{Azure, "westeurope", azureZones},
	{Azure, "uksouth", azureZones},
	{Azure, "francecentral", azureZones},
	{Azure, "germanywestcentral", azureZones},
	{Azure, "swedencentral", azureZones},
	{Azure, "switzerlandnorth", azureZones},
	{Azure, "norwayeast", azureZones},
	{Azure, "centralindia", azureZones},
	{Azure, "southeastasia", azureZones},
	{Azure, "eastasia", azureZones},
	{Azure, "japaneast", azureZones},
	{Azure, "koreacentral", azureZones},
	{Azure, "australiaeast", azureZones},
}

var azureZones = []string{"1", "2", "3"}

func awsZones(region, letters string) []string {
	out := make([]string, 0, len(letters))
	for _, l := range letters {
		out = append(out, region+string(l))
	}
	return out
}

func gcpZones(region, letters string) []string {
	out := make([]string, 0, len(letters))
	for _, l := range letters {
		out = append(out, fmt.Sprintf("%s-%c", region, l))
	}
	return out
}

var regionIndex = func() map[Cloud]map[string]RegionInfo {
	idx := map[Cloud]map[string]RegionInfo{}
	for i, e := range catalogue {
		if idx[e.cloud] == nil {
			idx[e.cloud] = map[string]RegionInfo{}
		}
		idx[e.cloud][e.name] = RegionInfo{Cloud: e.cloud, Name: e.name, Zones: e.zones, Slot: i}
	}
	return idx
}()

// LookupRegion returns what the catalogue knows of a region.
func LookupRegion(c Cloud, name string) (RegionInfo, bool) {
	r, ok := regionIndex[c][name]
	return r, ok
}

// RegionNames lists a cloud's regions in catalogue order.
func RegionNames(c Cloud) []string {
	var out []string
	for _, e := range catalogue {
		if e.cloud == c {
			out = append(out, e.name)
		}
	}
	return out
}
