#!/usr/bin/env bash
# Builds the integration-test images with the test engine (legacy builder, DOCKER_BUILDKIT=0: no
# buildx here, see test/env/start.sh; FROM scratch + busybox-static, no pulls), pushes them to the
# test registry and writes every other transport:
#
#   127.0.0.1:PORT/image-gate-test/<name>:latest   registry (docker v2 schema 2, gzip layers)
#   127.0.0.1:PORT/image-gate-test/<name>:zstd     OCI manifest with zstd layers (some images)
#   engine image 127.0.0.1:PORT/image-gate-test/<name>:latest (also tagged image-gate-test/<name>)
#   $IMAGE_GATE_TEST_DIR/images/<name>/docker-archive.tar   docker save
#   $IMAGE_GATE_TEST_DIR/images/<name>/oci/                 OCI layout, ref "latest"
#   $IMAGE_GATE_TEST_DIR/images/<name>/oci-archive.tar      OCI archive, ref "latest"
#   $IMAGE_GATE_TEST_DIR/images/<name>/info.json            refs, digests, diff IDs
#   $IMAGE_GATE_TEST_DIR/images/multi-arch/{oci/,oci-archive.tar} + registry: an OCI index
#     (linux/amd64 = good, linux/arm64/v8 = good + a marker layer), written by hand
#   $IMAGE_GATE_TEST_DIR/secrets/secrets.json               the generated secret values
# The OCI layout/archive and :zstd are skopeo's OCI conversion: skopeo 1.9 re-marshals the config,
# so their config digest differs from the image ID (recorded as ociConfigDigest); diff IDs match.
#
# Idempotent: an image is skipped when its recipe fingerprint (Dockerfile, build context, build
# arguments, parent image ID, this script) is unchanged and the engine, the registry and the
# files still have it. Changing base-a rebuilds everything built on it.
#
#   build.sh [--force] [NAME...]    --force rebuilds (with --no-cache); NAMEs limit the set
# Needs test/env/start.sh to have run. See the Dockerfiles for what each image proves.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
trap 'echo "images: error: command failed at line $LINENO" >&2' ERR
log() { echo "images: $*" >&2; }
die() {
  echo "images: error: $*" >&2
  exit 1
}

IMAGES=(base-a base-b good root-default user-root-name user-zero-group user-named user-named-uid0
  user-missing passwd-symlink passwd-rewritten passwd-deleted secret-deleted secret-opaque
  secret-env secret-buildarg secret-label secret-allowed-path multi-layer squashed-base multi-arch)
# Images that also get a zstd copy as :zstd.
ZSTD=" good multi-layer secret-deleted secret-opaque "

FORCE=no
ONLY=()
for a in "$@"; do
  case $a in
    --force | -f) FORCE=yes ;;
    -*) die "unknown option $a (usage: build.sh [--force] [NAME...])" ;;
    *)
      [[ " ${IMAGES[*]} " == *" $a "* ]] || die "unknown image $a (known: ${IMAGES[*]})"
      ONLY+=("$a")
      ;;
  esac
done

STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env/lib.sh"
use_test_env
for c in skopeo jq openssl sha256sum; do command -v $c >/dev/null || die "$c not found: run test/env/setup.sh"; done
BUSYBOX=${IMAGE_GATE_TEST_BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: run test/env/setup.sh (busybox-static)"
if command -v file >/dev/null && [[ "$(file -L "$BUSYBOX")" != *"statically linked"* ]]; then
  die "$BUSYBOX is not statically linked: install busybox-static"
fi

OUT=$STATE/images
CTX=$STATE/build
SECRETS=$STATE/secrets
mkdir -p "$OUT" "$CTX" "$SECRETS"
SELF_HASH=$(sha256sum "$0" | cut -d' ' -f1)

ref_of() { echo "$REG/image-gate-test/$1:${2:-latest}"; }
# Manifest digest of a tag in the registry, empty when absent.
registry_digest() {
  curl -fsSI --max-time 10 \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$REG/v2/image-gate-test/$1/manifests/$2" 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}
image_id() { "$DOCKER" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Generated secrets: random, correctly shaped, never valid anywhere. Made once per state
# directory and kept, so rebuilding does not change them.
# ---------------------------------------------------------------------------------------------
# rand CHARSET LENGTH: random characters; never one of the words the scanner takes for a sample.
rand() {
  local v
  while :; do
    v=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc "$1")
    v=${v:0:$2}
    [ ${#v} -eq "$2" ] || continue
    grep -Eiq 'example|sample|dummy|fake|placeholder|redacted|changeme|change_me|your' <<<"$v" || break
  done
  printf '%s' "$v"
}
if [ ! -s "$SECRETS/secrets.json" ]; then
  log "generating test secrets in $SECRETS"
  aws_id="AKIA$(rand 'A-Z2-7' 16)"
  aws_secret=$(rand 'A-Za-z0-9/+' 40)
  gh_token="ghp_$(rand 'A-Za-z0-9' 36)"
  deploy_token="ghp_$(rand 'A-Za-z0-9' 36)"
  doc_token="ghp_$(rand 'A-Za-z0-9' 36)"
  doc_aws_id="AKIA$(rand 'A-Z2-7' 16)"
  openssl genrsa -traditional -out "$SECRETS/id_rsa" 2048 2>/dev/null
  grep -q -- '-----BEGIN RSA PRIVATE KEY-----' "$SECRETS/id_rsa" || die "openssl did not write a PKCS#1 RSA key"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = eu-west-1\n' \
    "$aws_id" "$aws_secret" >"$SECRETS/aws-credentials"
  printf 'Deployment notes for the test tool.\n\ngithub_token: %s\naws_access_key_id: %s\n' \
    "$doc_token" "$doc_aws_id" >"$SECRETS/doc-credentials.txt"
  jq -n --arg a "$aws_id" --arg s "$aws_secret" --arg g "$gh_token" --arg d "$deploy_token" \
    --arg dt "$doc_token" --arg da "$doc_aws_id" --arg k "$SECRETS/id_rsa" \
    '{awsAccessKeyId: $a, awsSecretAccessKey: $s, githubToken: $g, labelToken: $d,
      docGithubToken: $dt, docAwsAccessKeyId: $da, rsaPrivateKeyFile: $k,
      rsaPrivateKeyLine: "-----BEGIN RSA PRIVATE KEY-----",
      where: {
        "secret-deleted": "/home/app/.aws/credentials (awsAccessKeyId, awsSecretAccessKey), removed in the next layer",
        "secret-opaque": "/opt/keys/id_rsa (RSA private key), directory re-created with an opaque whiteout",
        "secret-env": "config Env AWS_SECRET_ACCESS_KEY (awsSecretAccessKey); also in history created_by",
        "secret-buildarg": "history created_by of a RUN (githubToken)",
        "secret-label": "label io.image-gate.test.deploy-token (labelToken); also in history created_by",
        "secret-allowed-path": "/usr/share/doc/image-gate-test/credentials.txt (docGithubToken, docAwsAccessKeyId)"
      }}' >"$SECRETS/secrets.json"
fi
secret() { jq -r ".$1" "$SECRETS/secrets.json"; }

# ---------------------------------------------------------------------------------------------
# Per-image recipe: parent, build context files, build arguments.
# ---------------------------------------------------------------------------------------------
parent_of() {
  case $1 in
    base-a | base-b) echo "" ;;
    multi-arch) echo good ;;
    *) echo base-a ;;
  esac
}
context_files() { # NAME -> source paths, one a line
  case $1 in
    base-a | base-b) echo "$BUSYBOX" ;;
    secret-deleted) echo "$SECRETS/aws-credentials" ;;
    secret-opaque) echo "$SECRETS/id_rsa" ;;
    secret-allowed-path) echo "$SECRETS/doc-credentials.txt" ;;
  esac
}
build_args() { # NAME -> --build-arg K=V, one a line
  case $1 in
    secret-env) echo "AWS_SECRET_ACCESS_KEY=$(secret awsSecretAccessKey)" ;;
    secret-buildarg) echo "GITHUB_TOKEN=$(secret githubToken)" ;;
    secret-label) echo "DEPLOY_TOKEN=$(secret labelToken)" ;;
  esac
}
recipe_file() { # the file in the repository that describes NAME
  if [ -f "$here/$1/Dockerfile" ]; then echo "$here/$1/Dockerfile"; else echo "$here/$1/README.md"; fi
}

fingerprint() {
  local name=$1 parent f
  parent=$(parent_of "$name")
  {
    echo "build.sh $SELF_HASH"
    sha256sum "$(recipe_file "$name")" | cut -d' ' -f1
    while IFS= read -r f; do [ -n "$f" ] && sha256sum "$f" | cut -d' ' -f1; done < <(context_files "$name")
    build_args "$name"
    [ -n "$parent" ] && echo "parent $(image_id "$(ref_of "$parent")")"
    [[ "$ZSTD" == *" $name "* ]] && echo zstd
    true
  } | sha256sum | cut -d' ' -f1
}

# current NAME FINGERPRINT: the image is built from this recipe and present everywhere.
current() {
  local name=$1 fp=$2 out=$OUT/$1 info
  info=$out/info.json
  [ -s "$info" ] && [ "$(cat "$out/fingerprint" 2>/dev/null)" = "$fp" ] || return 1
  [ "$(registry_digest "$name" latest)" = "$(jq -r .manifestDigest "$info")" ] || return 1
  if [ "$name" = multi-arch ]; then
    [ -s "$out/oci/index.json" ] && [ -s "$out/oci-archive.tar" ] || return 1
    return 0
  fi
  [ "$(image_id "$(ref_of "$name")")" = "$(jq -r .imageId "$info")" ] || return 1
  [ -s "$out/docker-archive.tar" ] && [ -s "$out/oci/index.json" ] && [ -s "$out/oci-archive.tar" ] || return 1
  if [[ "$ZSTD" == *" $name "* ]]; then
    [ "$(registry_digest "$name" zstd)" = "$(jq -r .zstdManifestDigest "$info")" ] || return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------
build_dockerfile() {
  local name=$1 ctx=$CTX/$1 f a args=()
  rm -rf "$ctx"
  mkdir -p "$ctx"
  while IFS= read -r f; do [ -n "$f" ] && cp "$f" "$ctx/"; done < <(context_files "$name")
  while IFS= read -r a; do [ -n "$a" ] && args+=(--build-arg "$a"); done < <(build_args "$name")
  [ "$FORCE" = yes ] && args+=(--no-cache)
  if ! "$DOCKER" build "${args[@]}" -f "$here/$name/Dockerfile" \
    -t "image-gate-test/$name:latest" -t "$(ref_of "$name")" "$ctx" >"$CTX/$name.log" 2>&1; then
    tail -n 20 "$CTX/$name.log" >&2
    die "docker build of $name failed (log: $CTX/$name.log)"
  fi
}

build_squashed_base() {
  local cid
  cid=$("$DOCKER" create "image-gate-test/base-a:latest" /bin/sh)
  "$DOCKER" export "$cid" |
    "$DOCKER" import --change 'USER 1000' --change 'CMD ["/bin/sh"]' \
      --message 'docker export of a base-a container, flattened' - "$(ref_of squashed-base)" >/dev/null
  "$DOCKER" rm "$cid" >/dev/null
  "$DOCKER" tag "$(ref_of squashed-base)" image-gate-test/squashed-base:latest
}

# publish NAME: push, docker save, OCI layout, OCI archive, zstd copy, info.json.
publish() {
  local name=$1 out=$OUT/$1 ref zref="" zdigest=""
  ref=$(ref_of "$name")
  "$DOCKER" push "$ref" >"$CTX/$name.push.log" 2>&1 || {
    tail -n 5 "$CTX/$name.push.log" >&2
    die "push of $ref failed"
  }
  rm -rf "$out/docker-archive.tar" "$out/oci" "$out/oci-archive.tar"
  "$DOCKER" save -o "$out/docker-archive.tar" "$ref"
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$out/oci:latest"
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci-archive:$out/oci-archive.tar:latest"
  if [[ "$ZSTD" == *" $name "* ]]; then
    zref=$(ref_of "$name" zstd)
    # From the docker archive: its layers are uncompressed, so skopeo compresses them with zstd.
    # (skopeo 1.9 keeps already-compressed layers as they are: a registry-to-registry copy with
    # --dest-compress-format zstd would silently stay gzip; --force-compress-format is 1.14+.)
    skopeo copy --quiet --dest-tls-verify=false --format oci --dest-compress-format zstd \
      "docker-archive:$out/docker-archive.tar" "docker://$zref"
    zdigest=$(registry_digest "$name" zstd)
    skopeo inspect --raw --tls-verify=false "docker://$zref" | jq -e 'all(.layers[]; .mediaType | endswith("+zstd"))' >/dev/null ||
      die "$zref: skopeo did not write zstd layers"
  fi
  # skopeo 1.9 converts to an OCI manifest by re-marshalling the config as an OCI image config,
  # so the OCI layout/archive (and the zstd copy) have their own config digest; diff IDs are equal.
  local oci_manifest oci_config zconfig=""
  oci_manifest=$(jq -r '.manifests[0].digest' "$out/oci/index.json")
  oci_config=$(jq -r '.config.digest' "$out/oci/blobs/sha256/${oci_manifest#sha256:}")
  [ -n "$zref" ] && zconfig=$(skopeo inspect --raw --tls-verify=false "docker://$zref" | jq -r .config.digest)
  jq -n --arg name "$name" --arg ref "$ref" --arg id "$(image_id "$ref")" \
    --arg md "$(registry_digest "$name" latest)" --arg om "$oci_manifest" --arg oc "$oci_config" \
    --arg zref "$zref" --arg zd "$zdigest" --arg zc "$zconfig" \
    --argjson diffIds "$("$DOCKER" image inspect --format '{{json .RootFS.Layers}}' "$ref")" \
    '{name: $name, ref: $ref, imageId: $id, configDigest: $id, manifestDigest: $md,
      ociManifestDigest: $om, ociConfigDigest: $oc, diffIds: $diffIds, layers: ($diffIds | length)}
      + (if $zref != "" then {zstd: $zref, zstdManifestDigest: $zd, zstdConfigDigest: $zc} else {} end)' \
    >"$out/info.json"
}

# multi-arch: an OCI index written by hand (good for linux/amd64, a variant for linux/arm64).
blob_put() { # DIR FILE -> sha256:… (moves FILE into DIR/blobs)
  local d
  d=$(sha256sum "$2" | cut -d' ' -f1)
  mv "$2" "$1/blobs/sha256/$d"
  echo "sha256:$d"
}
build_multi_arch() {
  local out=$OUT/multi-arch lay tmp amd64 amd_manifest config_digest layer_tar diff layer_digest \
    config2 config2_digest manifest2 manifest2_digest index index_digest
  lay=$out/oci
  tmp=$CTX/multi-arch
  rm -rf "$lay" "$out/oci-archive.tar" "$tmp"
  mkdir -p "$tmp/root/etc" "$out"
  skopeo copy --quiet --src-tls-verify=false "docker://$(ref_of good)" "oci:$lay"
  amd64=$(jq -c '.manifests[0] | del(.annotations)' "$lay/index.json")
  amd_manifest=$lay/blobs/sha256/$(jq -r '.digest[7:]' <<<"$amd64")
  config_digest=$(jq -r .config.digest "$amd_manifest")
  # The arm64 marker layer, reproducible: fixed owner and time, gzip without a name or time.
  echo 'linux/arm64' >"$tmp/root/etc/image-gate-platform"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$tmp/root" -cf "$tmp/layer.tar" etc
  diff="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  gzip -n -9 <"$tmp/layer.tar" >"$tmp/layer.tar.gz"
  layer_digest=$(blob_put "$lay" "$tmp/layer.tar.gz")
  jq -c --arg diff "$diff" '.architecture = "arm64" | .variant = "v8"
      | .rootfs.diff_ids += [$diff]
      | .history += [{created: "1970-01-01T00:00:00Z", created_by: "image-gate-test: linux/arm64 platform marker"}]' \
    "$lay/blobs/sha256/${config_digest#sha256:}" >"$tmp/config.json"
  config2=$(stat -c %s "$tmp/config.json")
  config2_digest=$(blob_put "$lay" "$tmp/config.json")
  jq -c --arg cd "$config2_digest" --argjson cs "$config2" --arg ld "$layer_digest" \
    --argjson ls "$(stat -c %s "$lay/blobs/sha256/${layer_digest#sha256:}")" \
    '.config.digest = $cd | .config.size = $cs
      | .layers += [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}]' \
    "$amd_manifest" >"$tmp/manifest.json"
  manifest2=$(stat -c %s "$tmp/manifest.json")
  manifest2_digest=$(blob_put "$lay" "$tmp/manifest.json")
  jq -c -n --argjson amd "$amd64" --arg md "$manifest2_digest" --argjson ms "$manifest2" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
        ($amd + {platform: {architecture: "amd64", os: "linux"}}),
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
         platform: {architecture: "arm64", os: "linux", variant: "v8"}}]}' >"$tmp/index.json"
  index=$(stat -c %s "$tmp/index.json")
  index_digest=$(blob_put "$lay" "$tmp/index.json")
  jq -n --arg d "$index_digest" --argjson s "$index" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
      annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$lay/index.json"
  skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false "oci:$lay:latest" "docker://$(ref_of multi-arch)"
  skopeo copy --quiet --all --preserve-digests "oci:$lay:latest" "oci-archive:$out/oci-archive.tar:latest"
  [ "$(registry_digest multi-arch latest)" = "$index_digest" ] || die "multi-arch: registry digest differs from the index written"
  jq -n --arg ref "$(ref_of multi-arch)" --arg d "$index_digest" --argjson amd "$amd64" --arg arm "$manifest2_digest" \
    '{name: "multi-arch", ref: $ref, manifestDigest: $d,
      platforms: {"linux/amd64": $amd.digest, "linux/arm64/v8": $arm}}' >"$out/info.json"
}

# ---------------------------------------------------------------------------------------------
# Build what is missing or stale
# ---------------------------------------------------------------------------------------------
want=("${IMAGES[@]}")
[ ${#ONLY[@]} -gt 0 ] && want=("${ONLY[@]}")
built=0
skipped=0
for name in "${IMAGES[@]}"; do
  [[ " ${want[*]} " == *" $name "* ]] || continue
  parent=$(parent_of "$name")
  if [ -n "$parent" ] && [ -z "$(image_id "$(ref_of "$parent")")" ]; then
    die "$name needs $parent, which the engine does not have: run build.sh without arguments"
  fi
  fp=$(fingerprint "$name")
  if [ "$FORCE" = no ] && current "$name" "$fp"; then
    skipped=$((skipped + 1))
    continue
  fi
  t0=$(date +%s)
  mkdir -p "$OUT/$name"
  rm -f "$OUT/$name/fingerprint"
  case $name in
    squashed-base) build_squashed_base && publish "$name" ;;
    multi-arch) build_multi_arch ;;
    *) build_dockerfile "$name" && publish "$name" ;;
  esac
  echo "$fp" >"$OUT/$name/fingerprint"
  layers=$(jq -r '.layers // "index"' "$OUT/$name/info.json")
  log "built $name ($layers layers, $(($(date +%s) - t0))s)"
  built=$((built + 1))
done
log "$built built, $skipped up to date"
# The non-root oracle images (test/images/nonroot/build.sh, idempotent), with the whole set.
if [ ${#ONLY[@]} -eq 0 ]; then
  if [ "$FORCE" = yes ]; then bash "$here/nonroot/build.sh" --force; else bash "$here/nonroot/build.sh"; fi
fi

# ---------------------------------------------------------------------------------------------
# Checks: what the images are meant to prove really holds.
# ---------------------------------------------------------------------------------------------
diff_ids() { jq -c '.diffIds' "$OUT/$1/info.json"; }
check() { [ -s "$OUT/$1/info.json" ]; }
if check base-a && check base-b; then
  a0=$(jq -r '.diffIds[0]' "$OUT/base-a/info.json")
  b0=$(jq -r '.diffIds[0]' "$OUT/base-b/info.json")
  [ "$a0" != "$b0" ] || die "base-a and base-b share layer 0 ($a0): their first steps must differ"
  shared=$(jq -n --argjson a "$(diff_ids base-a)" --argjson b "$(diff_ids base-b)" '[$a[] | select(. as $x | $b | index($x))] | length')
  [ "$shared" -eq 0 ] || die "base-a and base-b share $shared layers"
fi
if check squashed-base; then
  n=$(jq -r .layers "$OUT/squashed-base/info.json")
  [ "$n" -eq 1 ] || die "squashed-base has $n layers, expected 1"
fi
if check multi-layer; then
  n=$(jq -r .layers "$OUT/multi-layer/info.json")
  [ "$n" -ge 8 ] || die "multi-layer has $n layers, expected base-a's 3 + 5"
fi
for name in "${IMAGES[@]}"; do
  [ "$(parent_of "$name")" = base-a ] && [ "$name" != squashed-base ] && check "$name" || continue
  jq -e --argjson base "$(diff_ids base-a)" '.diffIds[0:($base | length)] == $base' "$OUT/$name/info.json" >/dev/null ||
    die "$name does not start with base-a's layers"
done
if check secret-opaque; then
  archive=$OUT/secret-opaque/docker-archive.tar
  last=$(tar -xOf "$archive" manifest.json | jq -r '.[0].Layers[-1]')
  # (The whole listing first: `grep -q` would close the pipe early and fail under pipefail.)
  entries=$(tar -xOf "$archive" "$last" | tar -t)
  if ! grep -qx 'opt/keys/\.wh\.\.wh\.\.opq' <<<"$entries"; then
    if [ "$(cat "$STATE/storage-driver" 2>/dev/null)" = overlay2 ]; then
      die "secret-opaque: the last layer has no opt/keys/.wh..wh..opq"
    fi
    log "warning: secret-opaque has no opaque whiteout (storage driver is not overlay2)"
  fi
fi
log "checks passed"
