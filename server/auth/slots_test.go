package auth

import (
	"context"
	"sync"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// TestPasswordChecksWaitForASlot: a check waits while every slot is held, gives up with the request
// (Unavailable), and many checks at once each get their answer and give their slot back.
func TestPasswordChecksWaitForASlot(t *testing.T) {
	h := identity.Hasher{Memory: 64, Time: 1, Threads: 1}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{hasher: h, hashSlots: make(chan struct{}, 2)}

	// Both slots held by other checks: a caller that has gone away stops waiting.
	s.hashSlots <- struct{}{}
	s.hashSlots <- struct{}{}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.verifyPassword(gone, hash, "correct horse battery"); !errs.Is(errs.Unavailable, err) {
		t.Fatalf("a check while every slot is held and the caller is gone: err %v, want unavailable", err)
	}
	<-s.hashSlots
	<-s.hashSlots

	// Many checks at once: each right, each slot given back.
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			password := "correct horse battery"
			if i%3 == 0 {
				password = "wrong"
			}
			ok, err := s.verifyPassword(context.Background(), hash, password)
			if err != nil || ok != (i%3 != 0) {
				t.Errorf("check %d: ok %v err %v", i, ok, err)
			}
		}()
	}
	wg.Wait()
	if len(s.hashSlots) != 0 {
		t.Fatalf("%d slots still held after every check returned", len(s.hashSlots))
	}
}
