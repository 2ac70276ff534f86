package syncpush

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Limits bound a push. A batch beyond them is refused whole, before anything is applied: the phone
// splits it (too many items) or keeps the item aside (a payload too large never fits).
type Limits struct {
	MaxItems        int // items per batch
	MaxPayloadBytes int // bytes of one item's payload as sent
	MaxBatchBytes   int // bytes of the whole request body (DecodeBatch)
}

// DefaultLimits are the server's limits.
var DefaultLimits = Limits{MaxItems: 500, MaxPayloadBytes: 256 << 10, MaxBatchBytes: 16 << 20}

// Check refuses a batch that breaks the limits (errs.TooLarge with CodePushBatchTooLarge or
// CodePushItemTooLarge, naming the item) or holds an invalid item (errs.Invalid, CodeValidation with
// the fields). An empty batch is valid.
func (l Limits) Check(items []Item) error {
	const op = errs.Op("syncpush.Limits.Check")
	if len(items) > l.MaxItems {
		return errs.E(op, errs.TooLarge, errs.CodePushBatchTooLarge, fmt.Sprintf("%d items, at most %d", len(items), l.MaxItems))
	}
	var fields []errs.FieldError
	for i, it := range items {
		path := fmt.Sprintf("items[%d]", i)
		if len(it.Payload) > l.MaxPayloadBytes {
			return errs.E(op, errs.TooLarge, errs.CodePushItemTooLarge, errs.FieldError{Field: path + ".payload", Code: errs.CodePushItemTooLarge},
				fmt.Sprintf("payload of %d bytes, at most %d", len(it.Payload), l.MaxPayloadBytes))
		}
		fields = append(fields, it.Validate(path)...)
	}
	if len(fields) > 0 {
		return errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	return nil
}

// wireBatch and wireItem are the JSON form of a push (the HTTP schema comes with the API).
type wireBatch struct {
	Items []wireItem `json:"items"`
}

type wireItem struct {
	ChangeID    string          `json:"change_id"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	BaseVersion int64           `json:"base_version"`
	CapturedAt  time.Time       `json:"captured_at"`
	Payload     json.RawMessage `json:"payload"`
}

// DecodeBatch reads a JSON batch {"items": [{change_id, entity_type, entity_id, base_version,
// captured_at (RFC 3339), payload (any JSON value)}, …]} and checks it against the limits. Unknown
// fields are ignored (newer phones may send more); anything after the object is refused. Errors:
// errs.TooLarge (CodeBodyTooLarge for the body, or those of Limits.Check), errs.Invalid with
// CodePushMalformed for what is not such a batch, and those of Limits.Check.
func DecodeBatch(r io.Reader, lim Limits) ([]Item, error) {
	const op = errs.Op("syncpush.DecodeBatch")
	body, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxBatchBytes)+1))
	if err != nil {
		return nil, errs.E(op, errs.Unavailable, err)
	}
	if len(body) > lim.MaxBatchBytes {
		return nil, errs.E(op, errs.TooLarge, errs.CodeBodyTooLarge, fmt.Sprintf("more than %d bytes", lim.MaxBatchBytes))
	}
	malformed := func(why string) error { return errs.E(op, errs.Invalid, errs.CodePushMalformed, why) }
	dec := json.NewDecoder(bytes.NewReader(body))
	var b wireBatch
	if err := dec.Decode(&b); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, malformed(fmt.Sprintf("field %s: %s expected", typeErr.Field, typeErr.Type))
		}
		return nil, malformed("not a JSON batch: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the batch")
	}
	if b.Items == nil {
		return nil, malformed(`no "items" array`)
	}
	if len(b.Items) > lim.MaxItems {
		return nil, errs.E(op, errs.TooLarge, errs.CodePushBatchTooLarge, fmt.Sprintf("%d items, at most %d", len(b.Items), lim.MaxItems))
	}
	items := make([]Item, len(b.Items))
	for i, w := range b.Items {
		items[i] = Item{ChangeID: w.ChangeID, EntityType: w.EntityType, EntityID: w.EntityID,
			BaseVersion: w.BaseVersion, CapturedAt: w.CapturedAt.UTC(), Payload: []byte(w.Payload)}
		if string(w.Payload) == "null" {
			items[i].Payload = nil // JSON null is no payload
		}
	}
	if err := lim.Check(items); err != nil {
		return nil, errs.E(op, err)
	}
	return items, nil
}

// Canonical returns the canonical form of a JSON value: object keys sorted, no insignificant
// whitespace, numbers as written. It refuses what is not exactly one JSON value.
func Canonical(payload []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return json.Marshal(v) // maps are encoded with sorted keys
}
