#!/usr/bin/env bash
# Uploads the web front end to the stack's private web bucket and refreshes CloudFront.
#   web/deploy.sh [STACK]        (default: lapor, the stack of samconfig.toml)
# Needs the AWS CLI with credentials for the account. Writes the deployed config.json (the
# staff console's Cognito hosted-UI settings) from the stack outputs; the committed
# web/config.json is the local one (dev tokens) and is never uploaded as is.
set -euo pipefail
cd "$(dirname "$0")"
STACK="${1:-lapor}"

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
BUCKET="$(output WebBucketName)"
DISTRIBUTION="$(output WebDistributionId)"
SIGN_IN="$(output StaffSignInUrl)"
CLIENT_ID="$(output StaffWebClientId)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# The site's files only: no tests, no scripts, no local configuration.
tar --exclude=./e2e --exclude=./deploy.sh --exclude=./config.json -cf - . | tar -xf - -C "$stage"
cat >"$stage/config.json" <<JSON
{
  "staff_auth": { "kind": "cognito", "domain": "$SIGN_IN", "client_id": "$CLIENT_ID", "scope": "openid email" }
}
JSON

# File names carry no content hash, so browsers revalidate (ETag, 304) instead of caching.
aws s3 sync "$stage" "s3://$BUCKET/" --delete --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths '/*' >/dev/null
echo "Deployed web/ to s3://$BUCKET (CloudFront $DISTRIBUTION): $(output WebUrl)"
