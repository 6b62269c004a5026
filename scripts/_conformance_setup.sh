# Sourced by scripts/conformance.sh: installs (once) and locates the pinned conformance suite.
# Sets SUITE_JS (the suite's CLI) and NODE (a Node >= 22 binary: the suite uses fs.globSync).
# Where the system node is older or absent, a Node 22 binary is installed from the npm package
# node-<os>-<arch>@22 into the same cache.
CONFORMANCE_VERSION="${MCPLITE_CONFORMANCE_VERSION:-0.2.0-alpha.12}"
CONFORMANCE_CACHE="${MCPLITE_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcplite-conformance}"
NODE_MIN_MAJOR=22
NPM_INSTALL_TIMEOUT_SECONDS=600

# $1 = prefix directory, $2 = package spec. A ".complete" marker means a finished install, so
# an interrupted one is redone instead of half-used.
_npm_install_once() {
  local prefix=$1 spec=$2
  [ -f "$prefix/.complete" ] && return 0
  command -v npm >/dev/null || { echo "conformance: npm is required to install $spec" >&2; return 1; }
  echo "conformance: installing $spec into $prefix" >&2
  rm -rf "$prefix"; mkdir -p "$prefix"
  timeout "$NPM_INSTALL_TIMEOUT_SECONDS" npm install --no-audit --no-fund --silent \
    --prefix "$prefix" "$spec" >&2 || { echo "conformance: npm install $spec failed" >&2; return 1; }
  touch "$prefix/.complete"
}

conformance_setup() {
  local pkg="$CONFORMANCE_CACHE/$CONFORMANCE_VERSION"
  _npm_install_once "$pkg" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" || return 1
  SUITE_JS="$pkg/node_modules/@modelcontextprotocol/conformance/dist/index.js"
  [ -f "$SUITE_JS" ] || { echo "conformance: $SUITE_JS is missing" >&2; return 1; }

  NODE=node
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt "$NODE_MIN_MAJOR" ]; then
    local os arch
    case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="" ;; esac
    case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) arch="" ;; esac
    if [ -z "$os" ] || [ -z "$arch" ]; then
      echo "conformance: system node is v$major; install Node >= $NODE_MIN_MAJOR for $(uname -sm)" >&2
      return 1
    fi
    local dir="$CONFORMANCE_CACHE/node$NODE_MIN_MAJOR-$os-$arch"
    echo "conformance: system node is v$major; using a Node $NODE_MIN_MAJOR binary from npm" >&2
    _npm_install_once "$dir" "node-$os-$arch@$NODE_MIN_MAJOR" || return 1
    NODE="$dir/node_modules/node-$os-$arch/bin/node"
    [ -x "$NODE" ] || { echo "conformance: $NODE is missing" >&2; return 1; }
  fi
}
