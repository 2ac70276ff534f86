package blob

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Limits on keys and metadata. They are the tighter of S3's limits and what a file system allows,
// so that an object accepted by one store is accepted by every other.
const (
	// MaxKeyLen is the longest key in bytes (S3's limit).
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest '/'-separated segment of a key in bytes. A segment becomes a file
	// name in localblob, which adds a few bytes for its sidecar; file systems stop at 255.
	MaxSegmentLen = 200
	// MaxMetadataLen is the largest total size in bytes of the user metadata keys and values (S3 allows
	// 2 KiB, counted the same way).
	MaxMetadataLen = 2048
	// ReservedMetadataPrefix starts the metadata keys that the stores keep for themselves (s3blob keeps
	// the SHA-256 under one). Callers may not use it.
	ReservedMetadataPrefix = "blob-"
)

// ValidateKey reports whether key may name an object, in every store. It returns nil or an
// errs.Invalid error with code errs.CodeInvalidKey.
//
// A key is one or more segments separated by '/', at most MaxKeyLen bytes of valid UTF-8. Every
// segment is non-empty (so a key neither starts nor ends with '/' and has no "//"), at most
// MaxSegmentLen bytes, and does not start with '.': that rules out "." and "..", and leaves names
// starting with a dot to the stores for their temp files and sidecars, so no key can collide with
// them. Backslashes, NUL and control characters are refused everywhere.
func ValidateKey(key string) error {
	if problem := keyProblem(key); problem != "" {
		return errs.E(errs.Op("blob.ValidateKey"), errs.Invalid, errs.CodeInvalidKey,
			fmt.Sprintf("key %q: %s", key, problem))
	}
	return nil
}

func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	case strings.HasPrefix(key, "/"):
		return "absolute (starts with '/')"
	}
	for _, r := range key {
		switch {
		case r == '\\':
			return "contains a backslash"
		case r == 0:
			return "contains NUL"
		case unicode.IsControl(r):
			return "contains a control character"
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "has an empty segment (leading, trailing or doubled '/')"
		case seg == "." || seg == "..":
			return fmt.Sprintf("has a %q segment", seg)
		case strings.HasPrefix(seg, "."):
			return fmt.Sprintf("segment %q starts with '.', which is reserved for the stores", seg)
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("segment longer than %d bytes", MaxSegmentLen)
		}
	}
	return ""
}

// ValidatePutOptions reports whether opts may be given to Store.Put, in every store. It returns nil or
// an errs.Invalid error naming the problem. Metadata keys are lower-case ASCII letters, digits and '-',
// must not start with ReservedMetadataPrefix, and together with the values take at most
// MaxMetadataLen bytes; values are valid UTF-8 without control characters. SHA256, when set, is 64
// lower-case hex digits. ContentType, when set, is printable ASCII.
func ValidatePutOptions(opts PutOptions) error {
	const op = errs.Op("blob.ValidatePutOptions")
	if opts.SHA256 != "" {
		if len(opts.SHA256) != 64 || strings.ToLower(opts.SHA256) != opts.SHA256 {
			return errs.E(op, errs.Invalid, fmt.Sprintf("SHA256 %q is not 64 lower-case hex digits", opts.SHA256))
		}
		if _, err := hex.DecodeString(opts.SHA256); err != nil {
			return errs.E(op, errs.Invalid, fmt.Sprintf("SHA256 %q is not 64 lower-case hex digits", opts.SHA256))
		}
	}
	if strings.ContainsFunc(opts.ContentType, func(r rune) bool { return r < ' ' || r > '~' }) {
		return errs.E(op, errs.Invalid, fmt.Sprintf("content type %q is not printable ASCII", opts.ContentType))
	}
	total := 0
	for k, v := range opts.Metadata {
		total += len(k) + len(v)
		if k == "" || strings.ContainsFunc(k, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
		}) {
			return errs.E(op, errs.Invalid, fmt.Sprintf("metadata key %q is not lower-case ASCII letters, digits and '-'", k))
		}
		if strings.HasPrefix(k, ReservedMetadataPrefix) {
			return errs.E(op, errs.Invalid, fmt.Sprintf("metadata key %q uses the reserved prefix %q", k, ReservedMetadataPrefix))
		}
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return errs.E(op, errs.Invalid, fmt.Sprintf("metadata %q has a value that is not UTF-8 text without control characters", k))
		}
	}
	if total > MaxMetadataLen {
		return errs.E(op, errs.Invalid, fmt.Sprintf("metadata takes %d bytes, more than %d", total, MaxMetadataLen))
	}
	return nil
}

// CheckPut validates the arguments of a Put before a store touches storage: the key, the options, the
// size (exact, or -1 for unknown) and the context.
func CheckPut(ctx context.Context, key string, size int64, opts PutOptions) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ValidatePutOptions(opts); err != nil {
		return err
	}
	if size < -1 {
		return errs.E(errs.Invalid, fmt.Sprintf("key %q: size %d", key, size))
	}
	return ctx.Err()
}
