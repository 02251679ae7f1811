#!/usr/bin/env bash
# Installs the Debian packages vanthu needs when run as root; otherwise says exactly what to install and fails.
# Usage: scripts/ensure_system_deps.sh [product|test]
set -euo pipefail
scope=${1:-product}

missing=()
need() { # need PACKAGE CHECK-COMMAND...
  local pkg=$1; shift
  if ! "$@" >/dev/null 2>&1; then missing+=("$pkg"); fi
}

need libreoffice-writer-nogui command -v soffice
need python3-uno test -f /usr/lib/python3/dist-packages/uno.py
need python3-venv /usr/bin/python3 -c "import ensurepip"
need poppler-utils command -v pdfsig
need qpdf command -v qpdf
need fonts-liberation test -f /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf
need fonts-liberation2 test -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
need gettext command -v msgfmt
# scanned paper documents become searchable PDFs (OCRmyPDF drives Tesseract with Vietnamese data and Ghostscript)
need tesseract-ocr command -v tesseract
need tesseract-ocr-vie test -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata
need ghostscript command -v gs
if [ "$scope" = "test" ]; then
  need chromium command -v chromium
  need softhsm2 command -v softhsm2-util
  need opensc command -v pkcs11-tool
  need libnss3-tools command -v certutil
  # independent PDF signers for the interoperability corpus (tests/signing/test_interop.py)
  need openjdk-17-jdk-headless command -v javac
  need libpdfbox2-java test -f /usr/share/java/pdfbox2.jar
  need libbcprov-java test -f /usr/share/java/bcprov.jar
  need libbcpkix-java test -f /usr/share/java/bcpkix.jar
  # the loopback deployment test (tests/deploy/): nginx in front of two gunicorn instances
  need nginx test -x /usr/sbin/nginx
  need redis-server command -v redis-server
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
vanthu needs these Debian packages, which are missing:
    ${missing[*]}
Install them as root, then run make again:
    sudo apt-get update && sudo apt-get install -y ${missing[*]}
MSG
exit 1
