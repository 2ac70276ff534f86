package thumbnail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// memStore is the storage side in memory (gormstore's is tested against both engines).
type memStore struct {
	mu   sync.Mutex
	objs map[string]*thumbnail.Object // org/sha → object
}

func (m *memStore) ThumbnailSource(_ context.Context, org, sha string) (thumbnail.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[org+"/"+sha]
	if !ok {
		return thumbnail.Object{}, errs.E(errs.NotFound, "no object")
	}
	return *o, nil
}

func (m *memStore) SetThumbnail(_ context.Context, org, sha, key, failure string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.objs[org+"/"+sha]
	o.ThumbKey, o.ThumbError = key, failure
	return nil
}

func (m *memStore) ObjectsWithoutThumbnail(_ context.Context, afterOrg, afterSHA string, limit int) ([]thumbnail.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k, o := range m.objs {
		if o.ThumbKey == "" && o.ThumbError == "" && thumbnail.Supported(o.ContentType) && k > afterOrg+"/"+afterSHA {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []thumbnail.Object
	for _, k := range keys[:min(limit, len(keys))] {
		out = append(out, *m.objs[k])
	}
	return out, nil
}

// queue records the jobs enqueued, once per unique key, as jobs.Runner does.
type queue struct {
	mu   sync.Mutex
	jobs []jobs.Job
}

func (q *queue) Enqueue(_ context.Context, j jobs.Job) (jobs.Job, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, old := range q.jobs {
		if old.UniqueKey == j.UniqueKey {
			return old, false, nil
		}
	}
	q.jobs = append(q.jobs, j)
	return j, true, nil
}

type jobWorld struct {
	svc   *thumbnail.Service
	store *memStore
	blobs blob.Store
	q     *queue
}

func newJobWorld(t *testing.T) *jobWorld {
	t.Helper()
	b, err := localblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &jobWorld{store: &memStore{objs: map[string]*thumbnail.Object{}}, blobs: b, q: &queue{}}
	w.svc = &thumbnail.Service{Store: w.store, Blobs: b, Jobs: w.q}
	return w
}

func (w *jobWorld) add(t *testing.T, org, sha, contentType string, content []byte) {
	t.Helper()
	key := "evidence/" + org + "/" + sha
	if _, err := w.blobs.Put(context.Background(), key, bytes.NewReader(content), int64(len(content)), blob.PutOptions{ContentType: contentType}); err != nil {
		t.Fatal(err)
	}
	w.store.objs[org+"/"+sha] = &thumbnail.Object{OrgID: org, SHA256: sha, ContentType: contentType, Key: key}
}

// run runs every job enqueued so far, attempt 1 of 5.
func (w *jobWorld) run(t *testing.T) {
	t.Helper()
	for _, j := range w.q.jobs {
		j.Attempt, j.MaxAttempts = 1, 5
		if err := w.svc.Handle(context.Background(), j); err != nil {
			t.Fatalf("job %s: %v", j.Payload, err)
		}
	}
}

func TestJobMakesThumbnail(t *testing.T) {
	w := newJobWorld(t)
	ctx := context.Background()
	w.add(t, "org1", "aaa", "image/jpeg", encodeJPEG(t, halves(1200, 900, red, blue)))
	if err := w.svc.Enqueue(ctx, "org1", "aaa", "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Enqueue(ctx, "org1", "aaa", "image/jpeg"); err != nil { // the sweep, say
		t.Fatal(err)
	}
	if err := w.svc.Enqueue(ctx, "org1", "pdf", "application/pdf"); err != nil || len(w.q.jobs) != 1 {
		t.Fatalf("jobs %d, %v: want one job for the JPEG and none for a PDF", len(w.q.jobs), err)
	}
	var p thumbnail.Payload
	if err := json.Unmarshal(w.q.jobs[0].Payload, &p); err != nil || p.OrgID != "org1" || p.SHA256 != "aaa" || w.q.jobs[0].OrgID != "org1" {
		t.Fatalf("job %+v", w.q.jobs[0])
	}
	w.run(t)
	o := w.store.objs["org1/aaa"]
	if o.ThumbKey != thumbnail.Key("org1", "aaa") || o.ThumbKey != "thumbs/org1/aaa.jpg" || o.ThumbError != "" {
		t.Fatalf("after the job: %+v", o)
	}
	rc, info, err := w.blobs.Get(ctx, o.ThumbKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	img, err := jpeg.Decode(rc)
	if err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 240 || info.ContentType != "image/jpeg" {
		t.Fatalf("stored thumbnail: %v %v %q", img.Bounds(), err, info.ContentType)
	}
	// Run again (a worker died after the work): nothing changes.
	w.run(t)
}

func TestJobRecordsWhatCannotBeMade(t *testing.T) {
	w := newJobWorld(t)
	w.add(t, "org1", "bomb", "image/png", pngHeader(100000, 100000))
	w.add(t, "org1", "fake", "image/jpeg", []byte("not a jpeg at all"))
	for _, sha := range []string{"bomb", "fake"} {
		if err := w.svc.Enqueue(context.Background(), "org1", sha, "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	w.run(t) // succeeds: no retry would change the verdict
	for _, sha := range []string{"bomb", "fake"} {
		if o := w.store.objs["org1/"+sha]; o.ThumbKey != "" || o.ThumbError == "" {
			t.Errorf("%s: %+v, want a recorded failure", sha, o)
		}
	}
	if !strings.Contains(w.store.objs["org1/bomb"].ThumbError, "100000") {
		t.Errorf("the failure does not say why: %q", w.store.objs["org1/bomb"].ThumbError)
	}
}

// A store that cannot be read fails the attempt (to be retried), and the last attempt records it.
func TestJobRetriesThenGivesUp(t *testing.T) {
	w := newJobWorld(t)
	w.add(t, "org1", "gone", "image/jpeg", encodeJPEG(t, halves(100, 100, red, blue)))
	if err := w.blobs.Delete(context.Background(), "evidence/org1/gone"); err != nil { // behind the database's back
		t.Fatal(err)
	}
	if err := w.svc.Enqueue(context.Background(), "org1", "gone", "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	j := w.q.jobs[0]
	j.Attempt, j.MaxAttempts = 1, 3
	if err := w.svc.Handle(context.Background(), j); err == nil {
		t.Fatal("an unreadable object: the attempt succeeded")
	}
	if o := w.store.objs["org1/gone"]; o.ThumbError != "" {
		t.Fatalf("a failure recorded before the last attempt: %+v", o)
	}
	j.Attempt = 3
	if err := w.svc.Handle(context.Background(), j); err == nil {
		t.Fatal("the last attempt succeeded")
	}
	if o := w.store.objs["org1/gone"]; !strings.HasPrefix(o.ThumbError, "gave up") {
		t.Fatalf("after the last attempt: %+v", o)
	}
	// An object no longer in the database: nothing to do.
	delete(w.store.objs, "org1/gone")
	if err := w.svc.Handle(context.Background(), j); err != nil {
		t.Fatalf("a job for an object gone: %v", err)
	}
	if err := w.svc.Handle(context.Background(), jobs.Job{Kind: thumbnail.Kind, Payload: []byte(`{}`)}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("an empty payload: %v", err)
	}
}

// The sweep enqueues every image object without a thumbnail or a failure, over several pages.
func TestSweep(t *testing.T) {
	w := newJobWorld(t)
	var want []string
	for i := range 450 {
		sha := string(rune('a'+i%26)) + strings.Repeat("0", 3) + string(rune('a'+i/26))
		w.store.objs["org1/"+sha] = &thumbnail.Object{OrgID: "org1", SHA256: sha, ContentType: "image/jpeg", Key: "evidence/org1/" + sha}
		want = append(want, sha)
	}
	w.store.objs["org1/done"] = &thumbnail.Object{OrgID: "org1", SHA256: "done", ContentType: "image/jpeg", ThumbKey: "thumbs/org1/done.jpg"}
	w.store.objs["org1/failed"] = &thumbnail.Object{OrgID: "org1", SHA256: "failed", ContentType: "image/png", ThumbError: "too big"}
	w.store.objs["org1/pdf"] = &thumbnail.Object{OrgID: "org1", SHA256: "pdf", ContentType: "application/pdf"}
	if err := w.svc.Sweep(context.Background(), jobs.Job{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range w.q.jobs {
		var p thumbnail.Payload
		json.Unmarshal(j.Payload, &p)
		got = append(got, p.SHA256)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the sweep enqueued %d objects, want %d", len(got), len(want))
	}
	// Again: the unique keys add nothing.
	if err := w.svc.Sweep(context.Background(), jobs.Job{}); err != nil || len(w.q.jobs) != len(want) {
		t.Fatalf("a second sweep: %d jobs, %v", len(w.q.jobs), err)
	}
}
