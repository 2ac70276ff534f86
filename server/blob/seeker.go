package blob

import (
	"context"
	"errors"
	"io"
)

// Seeker reads an object with io.ReadSeeker semantics, for http.ServeContent (ranges, conditional
// requests). It opens the object at once, so that a missing object is an error before any answer is
// written, and reopens it with GetRange only when a read follows a seek to another offset.
type Seeker struct {
	ctx  context.Context
	s    Store
	key  string
	size int64
	pos  int64         // the offset the next Read reads
	rc   io.ReadCloser // reading at rcAt; nil when closed
	rcAt int64
}

// OpenSeeker opens the object at key for reading and seeking. The caller closes it.
func OpenSeeker(ctx context.Context, s Store, key string) (*Seeker, Info, error) {
	rc, info, err := s.Get(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	return &Seeker{ctx: ctx, s: s, key: key, size: info.Size, rc: rc}, info, nil
}

// Read implements io.Reader.
func (k *Seeker) Read(p []byte) (int, error) {
	if k.pos >= k.size {
		return 0, io.EOF
	}
	if k.rc != nil && k.rcAt != k.pos {
		k.rc.Close()
		k.rc = nil
	}
	if k.rc == nil {
		rc, _, err := k.s.GetRange(k.ctx, k.key, k.pos, -1)
		if err != nil {
			return 0, err
		}
		k.rc, k.rcAt = rc, k.pos
	}
	n, err := k.rc.Read(p)
	k.pos += int64(n)
	k.rcAt = k.pos
	if err == io.EOF && k.pos < k.size {
		err = io.ErrUnexpectedEOF // the object shrank under us
	}
	return n, err
}

// Seek implements io.Seeker; it does no I/O.
func (k *Seeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += k.pos
	case io.SeekEnd:
		offset += k.size
	default:
		return 0, errors.New("blob.Seeker: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("blob.Seeker: negative position")
	}
	k.pos = offset
	return offset, nil
}

// Close implements io.Closer.
func (k *Seeker) Close() error {
	if k.rc == nil {
		return nil
	}
	err := k.rc.Close()
	k.rc = nil
	return err
}
