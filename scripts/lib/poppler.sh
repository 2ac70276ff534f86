# shellcheck shell=bash
#
# poppler.sh: make pdftoppm and pdftotext (Debian package poppler-utils) available for the golden-image
# tests of the document renderer (mobile-api/document; docs/documents.md).
#
#   poppler_ensure   succeed when pdftoppm and pdftotext are on PATH; otherwise install poppler-utils
#                    (Debian, as root) and check again. Never exits the caller's shell.

poppler_ensure() {
	command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && return 0
	if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		printf 'poppler: pdftoppm is missing, and this script can install poppler-utils only as root with apt-get\n' >&2
		return 1
	fi
	printf 'poppler: installing poppler-utils from the Debian packages\n' >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends poppler-utils >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends poppler-utils >&2; } || return 1
	command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1
}
