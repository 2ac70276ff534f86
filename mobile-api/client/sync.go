package client

import "context"

// SyncReport says what a Sync did.
type SyncReport struct {
	Push   *PushReport
	Upload *UploadReport
	Pull   *PullReport
}

// Sync pushes the outbox, uploads the bytes of the evidence whose references the push delivered,
// then pulls every dataset (push first: the pull brings back the server's state of what was just
// pushed, with its versions and the evidence stored). Call it when the app opens, when coverage
// returns and every few minutes while on line — never in a tight loop. An error leaves everything
// consistent: what was pushed and acknowledged stays acknowledged, every page applied stays applied,
// and the next Sync goes on from there (a batch whose answer was lost is sent again, the same).
func (c *Client) Sync() (*SyncReport, error) {
	rep := &SyncReport{Push: &PushReport{}, Upload: &UploadReport{}, Pull: &PullReport{}}
	err := c.locked(func(ctx context.Context) error {
		var err error
		if rep.Push, err = c.push(ctx); err != nil {
			return err
		}
		if rep.Upload, err = c.upload(ctx); err != nil {
			return err
		}
		rep.Pull, err = c.pull(ctx)
		return err
	})
	return rep, err
}

// Push sends the outbox until it is empty (or an error stops it).
func (c *Client) Push() (*PushReport, error) {
	rep := &PushReport{}
	err := c.locked(func(ctx context.Context) error {
		var err error
		rep, err = c.push(ctx)
		return err
	})
	return rep, err
}

// Pull brings every dataset up to date.
func (c *Client) Pull() (*PullReport, error) {
	rep := &PullReport{}
	err := c.locked(func(ctx context.Context) error {
		var err error
		rep, err = c.pull(ctx)
		return err
	})
	return rep, err
}

// locked runs one sync operation at a time.
func (c *Client) locked(fn func(ctx context.Context) error) error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if c.ctx.Err() != nil {
		return newError(CodeClosed, "the client is closed")
	}
	return fn(c.ctx)
}
