#!/usr/bin/env bash
# Make sure a Vulkan device exists for the GPU tests. On a machine without a GPU driver this
# installs Mesa's software rasteriser (lavapipe) and the Vulkan loader from Debian's packages.
set -euo pipefail

have_loader() { ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null; }
have_icd() { compgen -G '/usr/share/vulkan/icd.d/*.json' >/dev/null || compgen -G '/etc/vulkan/icd.d/*.json' >/dev/null; }

if have_loader && have_icd; then
  exit 0
fi

pkgs=(libvulkan1 mesa-vulkan-drivers)
echo "ensure-vulkan: no Vulkan driver found; installing ${pkgs[*]} (Mesa lavapipe, a software Vulkan device)" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "ensure-vulkan: not root and no sudo; install as root: apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null || true
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null || {
  echo "ensure-vulkan: apt-get failed; install ${pkgs[*]} (Debian/Ubuntu) or any Vulkan 1.1 driver" >&2
  exit 1
}
have_loader && have_icd || { echo "ensure-vulkan: Vulkan still missing after install" >&2; exit 1; }
