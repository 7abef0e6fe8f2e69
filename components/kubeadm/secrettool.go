package kubeadm

// Paths of the secret tool on a node.
const (
	secretToolPath   = "/usr/local/sbin/kost-secret"
	secretConfigPath = "/etc/kost/secrets.json"
	mintScriptPath   = "/usr/local/sbin/kost-join-token"
)

// SecretRefs say where a cluster's secrets live in its cloud's secret store: what the nodes'
// secret tool reads from /etc/kost/secrets.json. References only, never a value.
type SecretRefs struct {
	// Cloud is "aws", "gcp" or "azure".
	Cloud string `json:"cloud"`
	// Region is the AWS region of the secrets (AWS only).
	Region string `json:"region,omitempty"`
	// PKI is the shared control-plane certificates and keys (a JSON object of file name to PEM):
	// readable by the control planes only. AWS: the secret's name; GCP: projects/<p>/secrets/<id>;
	// Azure: https://<vault>.vault.azure.net/secrets/<name>.
	PKI string `json:"pki"`
	// Token is the current join token, written by the control planes, read by every node.
	Token string `json:"token"`
	// Metadata and Endpoint replace the instance metadata service and the secret store's API, for
	// tests only. Default: the cloud's.
	Metadata string `json:"metadata,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
}

// secretTool is the nodes' client of the cloud's secret store, with the node's own identity: the
// Python 3 standard library only (every Ubuntu cloud image has python3; cloud-init is written in
// it), no SDK and no CLI to install. It retries each call and, with --wait, waits for a secret
// that does not exist yet (the join token before the first control plane has published one).
//
//	kost-secret get pki|token [--wait SECONDS]   prints the value
//	kost-secret pki DIR [--wait SECONDS]         writes the PKI files into DIR (keys 0600)
//	kost-secret put token                        stores stdin as the new value
//
// AWS: Secrets Manager's JSON API (GetSecretValue, PutSecretValue with a ClientRequestToken, which
// raw callers give themselves; docs.aws.amazon.com/secretsmanager/latest/apireference), signed with
// Signature Version 4 by the instance role's credentials from IMDSv2. GCP: Secret Manager's REST API
// (versions/latest:access, :addVersion, versions.list, :destroy; cloud.google.com/secret-manager/
// docs/reference/rest/v1; the list filter syntax is not documented, so the tool filters by state
// itself, and it reads either base64 alphabet) with the service account's token from the metadata
// server. Azure: Key Vault's REST API (api-version 7.4, learn.microsoft.com/rest/api/keyvault/
// secrets) with the managed identity's token for https://vault.azure.net from IMDS (api-version
// 2018-02-01, learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token). Tested against stand-ins of the
// three APIs (secrettool_test.go; the AWS signature against the AWS SDK's own signer).
const secretTool = `#!/usr/bin/env python3
"""kost-secret: the cluster's secrets in the cloud's secret store, with the node's own identity."""
import base64, datetime, hashlib, hmac, json, os, sys, time, urllib.error, urllib.parse, urllib.request, uuid

CONFIG = os.environ.get("KOST_SECRETS_CONFIG", "/etc/kost/secrets.json")


class Absent(Exception):
    """The secret has no value yet."""


def call(method, url, headers=None, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        if e.code == 404 or "ResourceNotFoundException" in text:
            raise Absent(text)
        raise RuntimeError("%s %s: HTTP %d: %s" % (method, url.split("?")[0], e.code, text[:300]))


def aws(c, target, payload):
    md = c.get("metadata") or "http://169.254.169.254"
    imds = call("PUT", md + "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "300"}).decode()
    h = {"X-aws-ec2-metadata-token": imds}
    role = call("GET", md + "/latest/meta-data/iam/security-credentials/", h).decode().split()[0]
    cred = json.loads(call("GET", md + "/latest/meta-data/iam/security-credentials/" + role, h))
    region = c["region"]
    endpoint = c.get("endpoint") or "https://secretsmanager.%s.amazonaws.com" % region
    host = urllib.parse.urlsplit(endpoint).netloc
    body = json.dumps(payload).encode()
    amzdate = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = amzdate[:8]
    headers = {"content-type": "application/x-amz-json-1.1", "host": host, "x-amz-date": amzdate,
               "x-amz-security-token": cred["Token"], "x-amz-target": "secretsmanager." + target}
    names = sorted(headers)
    canonical = "\n".join(["POST", "/", "", "".join(k + ":" + headers[k] + "\n" for k in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/secretsmanager/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + cred["SecretAccessKey"]).encode()
    for part in (day, region, "secretsmanager", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        cred["AccessKeyId"], scope, ";".join(names), signature)
    del headers["host"]
    return json.loads(call("POST", endpoint + "/", headers, body))


def gcp_headers(c):
    md = c.get("metadata") or "http://metadata.google.internal"
    tok = json.loads(call("GET", md + "/computeMetadata/v1/instance/service-accounts/default/token",
                          {"Metadata-Flavor": "Google"}))["access_token"]
    return {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}


def gcp_api(c):
    return (c.get("endpoint") or "https://secretmanager.googleapis.com") + "/v1/"


def azure_headers(c):
    md = c.get("metadata") or "http://169.254.169.254"
    url = md + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + urllib.parse.quote("https://vault.azure.net", safe="")
    tok = json.loads(call("GET", url, {"Metadata": "true"}))["access_token"]
    return {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}


def azure_url(c, ref):
    if c.get("endpoint"):
        return c["endpoint"] + urllib.parse.urlsplit(ref).path
    return ref


def get(c, which):
    ref = c[which]
    cloud = c["cloud"]
    if cloud == "aws":
        return aws(c, "GetSecretValue", {"SecretId": ref})["SecretString"]
    if cloud == "gcp":
        out = json.loads(call("GET", gcp_api(c) + ref + "/versions/latest:access", gcp_headers(c)))
        data = out["payload"]["data"].replace("-", "+").replace("_", "/")  # either base64 alphabet
        return base64.b64decode(data + "=" * (-len(data) % 4)).decode()
    if cloud == "azure":
        value = json.loads(call("GET", azure_url(c, ref) + "?api-version=7.4", azure_headers(c)))["value"]
        if value == "none":  # the placeholder the secret is created with
            raise Absent(ref)
        return value
    raise SystemExit("kost-secret: unknown cloud %r" % cloud)


def put(c, which, value):
    ref = c[which]
    cloud = c["cloud"]
    if cloud == "aws":
        # Raw API callers give the idempotency token the SDKs fill in (32 to 64 characters).
        aws(c, "PutSecretValue", {"SecretId": ref, "SecretString": value, "ClientRequestToken": str(uuid.uuid4())})
    elif cloud == "gcp":
        h = gcp_headers(c)
        data = base64.b64encode(value.encode()).decode()
        new = json.loads(call("POST", gcp_api(c) + ref + ":addVersion", h, json.dumps({"payload": {"data": data}}).encode()))["name"]
        listed = json.loads(call("GET", gcp_api(c) + ref + "/versions?pageSize=100", h))
        for v in listed.get("versions", []):
            if v["name"] != new and v.get("state") == "ENABLED":
                call("POST", gcp_api(c) + v["name"] + ":destroy", h, b"{}")
    elif cloud == "azure":
        call("PUT", azure_url(c, ref) + "?api-version=7.4", azure_headers(c), json.dumps({"value": value}).encode())
    else:
        raise SystemExit("kost-secret: unknown cloud %r" % cloud)


def retried(f, wait):
    deadline = time.time() + wait
    delay = float(os.environ.get("KOST_SECRET_RETRY_SECONDS", "5"))
    attempt = 0
    while True:
        attempt += 1
        try:
            return f()
        except Absent as e:
            if time.time() >= deadline:
                raise SystemExit("kost-secret: still absent after %d s: %s" % (wait, str(e)[:200]))
        except (RuntimeError, OSError, KeyError, ValueError) as e:
            if attempt >= 5 and time.time() >= deadline:
                raise SystemExit("kost-secret: %s" % e)
        time.sleep(delay)


def main(argv):
    wait = 0
    if "--wait" in argv:
        i = argv.index("--wait")
        wait = int(argv[i + 1])
        del argv[i:i + 2]
    with open(CONFIG) as f:
        c = json.load(f)
    if argv[:1] == ["get"] and len(argv) == 2 and argv[1] in ("pki", "token"):
        sys.stdout.write(retried(lambda: get(c, argv[1]), wait))
    elif argv[:1] == ["pki"] and len(argv) == 2:
        files = json.loads(retried(lambda: get(c, "pki"), wait))
        for name, content in sorted(files.items()):
            path = os.path.join(argv[1], name)
            if os.path.normpath(path) != path or ".." in name.split("/"):
                raise SystemExit("kost-secret: refusing the file name %r" % name)
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            mode = 0o600 if name.endswith(".key") else 0o644
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "w") as out:
                out.write(content)
            os.chmod(path, mode)
    elif argv == ["put", "token"]:
        value = sys.stdin.read().strip()
        if not value:
            raise SystemExit("kost-secret: nothing on stdin")
        retried(lambda: put(c, "token", value), 0)
    else:
        raise SystemExit(__doc__ + "\nusage: kost-secret get pki|token [--wait S] | pki DIR [--wait S] | put token < value")


if __name__ == "__main__":
    main(sys.argv[1:])
`
