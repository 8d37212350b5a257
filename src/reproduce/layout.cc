#include "reproduce/layout.h"

namespace mv::reproduce {

// Credential files that common tools read from HOME: SSH keys, cloud and registry credentials,
// package-index and hub tokens. Opening any of them during a load is reported.
std::vector<Decoy> Layout::DefaultDecoys() {
  const std::string key =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9kZWx2ZXQtZGVjb3k=\n-----END OPENSSH PRIVATE "
      "KEY-----\n";
  return {
      {".ssh/id_rsa", key},
      {".ssh/id_ed25519", key},
      {".aws/credentials",
       "[default]\naws_access_key_id = AKIAMODELVETDECOY000\n"
       "aws_secret_access_key = modelvet-decoy-secret\n"},
      {".netrc", "machine example.com login modelvet password modelvet-decoy\n"},
      {".git-credentials", "https://modelvet:modelvet-decoy@example.com\n"},
      {".docker/config.json",
       "{\"auths\": {\"example.com\": {\"auth\": \"bW9kZWx2ZXQ6ZGVjb3k=\"}}}\n"},
      {".kube/config",
       "apiVersion: v1\nkind: Config\nusers:\n- name: modelvet\n  user: {token: decoy}\n"},
      {".config/gcloud/application_default_credentials.json",
       "{\"type\": \"authorized_user\", \"refresh_token\": \"modelvet-decoy\"}\n"},
      {".cache/huggingface/token", "hf_modelvetdecoy\n"},
      {".pypirc", "[pypi]\nusername = __token__\npassword = pypi-modelvet-decoy\n"},
      {".config/gh/hosts.yml", "github.com:\n  oauth_token: gho_modelvetdecoy\n"},
  };
}

}  // namespace mv::reproduce
