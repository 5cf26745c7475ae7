package vault

import (
	"encoding/json"
	"io"
	"time"
)

// op is an operation name, kept as a small integer in the audit log.
type op uint8

const (
	opCreateVault op = iota
	opUpdateVault
	opDeleteVault
	opGetVault
	opGetDeletedVault
	opRecoverDeletedVault
	opPurgeDeletedVault
	opAssignRole
	opRemoveRole
	opSetAccessPolicy
	opRemoveAccessPolicy
	opCreateKey
	opGetKey
	opRotateKey
	opUpdateKeyProperties
	opWrapKey
	opUnwrapKey
	opEncrypt
	opDecrypt
	opDeleteKey
	opGetDeletedKey
	opListDeletedKeys
	opRecoverDeletedKey
	opPurgeDeletedKey
	opBackupKey
	opRestoreKey
	opGetKeyRotationPolicy
	opUpdateKeyRotationPolicy
	opListKeys
	opListKeyVersions
	opKeyNearExpiry
	opSetSecret
	opGetSecret
	opUpdateSecretProperties
	opDeleteSecret
	opGetDeletedSecret
	opListDeletedSecrets
	opRecoverDeletedSecret
	opPurgeDeletedSecret
	opBackupSecret
	opRestoreSecret
	opListSecrets
	opListSecretVersions
)

var opNames = [...]string{
	"CreateVault", "UpdateVault", "DeleteVault", "GetVault", "GetDeletedVault", "RecoverDeletedVault", "PurgeDeletedVault",
	"AssignRole", "RemoveRole", "SetAccessPolicy", "RemoveAccessPolicy",
	"CreateKey", "GetKey", "RotateKey", "UpdateKeyProperties", "WrapKey", "UnwrapKey", "Encrypt", "Decrypt",
	"DeleteKey", "GetDeletedKey", "ListDeletedKeys", "RecoverDeletedKey", "PurgeDeletedKey",
	"BackupKey", "RestoreKey", "GetKeyRotationPolicy", "UpdateKeyRotationPolicy", "ListKeys", "ListKeyVersions",
	"KeyNearExpiry",
	"SetSecret", "GetSecret", "UpdateSecretProperties", "DeleteSecret", "GetDeletedSecret", "ListDeletedSecrets",
	"RecoverDeletedSecret", "PurgeDeletedSecret", "BackupSecret", "RestoreSecret", "ListSecrets", "ListSecretVersions",
}

func (o op) String() string { return opNames[o] }

// An Event is one entry of the audit log: one per call, plus one per effect
// the service applies on its own schedule (caller [SystemID]). It names
// objects by identifier and never holds key or secret material.
type Event struct {
	Time      time.Time `json:"time"`
	Caller    Principal `json:"caller"`
	Operation string    `json:"operation"`
	// ObjectID identifies the vault or object, with the version when the
	// call resolved one (a wrap with a versionless id records the version
	// it used).
	ObjectID string `json:"objectId"`
	// Result is "OK" or the Azure error code.
	Result string `json:"result"`
	Status int    `json:"status"`
}

// record is the compact in-memory form of an Event, so that benchmarks and
// long simulations with millions of calls stay small: 40 bytes an event
// beyond the interned strings.
type record struct {
	t      int64 // Unix nanoseconds
	obj    string
	caller uint32 // index into auditLog.callers
	code   uint16 // index into auditLog.codes; 0 is "OK"
	status uint16
	op     op
}

const chunkLen = 4096

// auditLog stores records in fixed-size chunks, so appending never copies
// the log.
type auditLog struct {
	chunks    [][]record
	n         int
	callers   []Principal
	callerIdx map[Principal]uint32
	codes     []string
	codeIdx   map[string]uint16
}

func newAuditLog() auditLog {
	return auditLog{callerIdx: map[Principal]uint32{}, codes: []string{"OK"}, codeIdx: map[string]uint16{"OK": 0}}
}

func (a *auditLog) caller(p Principal) uint32 {
	if i, ok := a.callerIdx[p]; ok {
		return i
	}
	i := uint32(len(a.callers))
	a.callers = append(a.callers, p)
	a.callerIdx[p] = i
	return i
}

func (a *auditLog) code(c string) uint16 {
	if i, ok := a.codeIdx[c]; ok {
		return i
	}
	i := uint16(len(a.codes))
	a.codes = append(a.codes, c)
	a.codeIdx[c] = i
	return i
}

func (a *auditLog) add(r record) {
	if a.n%chunkLen == 0 {
		a.chunks = append(a.chunks, make([]record, 0, chunkLen))
	}
	c := &a.chunks[len(a.chunks)-1]
	*c = append(*c, r)
	a.n++
}

func (a *auditLog) event(r *record) Event {
	return Event{
		Time:      time.Unix(0, r.t).UTC(),
		Caller:    a.callers[r.caller],
		Operation: r.op.String(),
		ObjectID:  r.obj,
		Result:    a.codes[r.code],
		Status:    int(r.status),
	}
}

func (a *auditLog) events(from int) []Event {
	if from < 0 {
		from = 0
	}
	out := make([]Event, 0, max(a.n-from, 0))
	for i := from; i < a.n; i++ {
		out = append(out, a.event(&a.chunks[i/chunkLen][i%chunkLen]))
	}
	return out
}

// AuditLog returns a copy of the audit log in the order events were
// recorded. Concurrent calls are recorded in the order they completed.
func (s *Service) AuditLog() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.audit.events(0)
}

// AuditLen returns the number of events in the audit log, so that callers can
// read only what is new with [Service.AuditSince].
func (s *Service) AuditLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.audit.n
}

// AuditSince returns a copy of the events from index i on.
func (s *Service) AuditSince(i int) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.audit.events(i)
}

// WriteJSONLines writes the audit log to w as JSON lines, one event a line.
func (s *Service) WriteJSONLines(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, e := range s.AuditLog() {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}
