package azsdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// pagerParam is the query parameter the transport adds to the first request
// of a pager. The fake server copies the query into every next link it
// makes, so later pages name the pager they belong to.
const pagerParam = "atrest-pager"

// maxPagers bounds the pagers kept open at once; a pager is released after
// its last page, and beyond the bound the least recently used one is
// dropped (its next page then fails with [ErrPager]).
const maxPagers = 64

// transport is the policy.Transporter the clients use. It forwards requests
// to a fake ServerTransport and turns the adapter's errors into HTTP error
// responses, so the SDK builds its own *azcore.ResponseError from a status
// and a JSON error body exactly as it does for the real service.
//
// The fake ServerTransport tracks a pager by URL path only, so an abandoned
// pager would be resumed by the next list of the same path. The transport
// therefore gives each pager its own ServerTransport, found again through
// [pagerParam].
type transport struct {
	host       string
	main       policy.Transporter
	newPagerST func() policy.Transporter

	mu     sync.Mutex
	next   uint64
	pagers map[uint64]policy.Transporter
	order  []uint64
}

func newTransport(host string, newST func() policy.Transporter) *transport {
	return &transport{
		host:       host,
		main:       newST(),
		newPagerST: newST,
		pagers:     map[uint64]policy.Transporter{},
	}
}

// Do implements policy.Transporter.
func (t *transport) Do(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Hostname(), t.host) {
		return nil, fmt.Errorf("%w: request for host %q, but this adapter serves %q", ErrOtherHost, req.URL.Host, t.host)
	}
	api, _ := req.Context().Value(runtime.CtxAPINameKey{}).(string)
	st := t.main
	var pid uint64
	if strings.HasPrefix(api, "Client.NewList") && req.Header.Get("Authorization") != "" {
		var err error
		if st, pid, err = t.pager(req); err != nil {
			return nil, err
		}
	}
	req = req.WithContext(context.WithValue(req.Context(), escapedPathKey{}, req.URL.EscapedPath()))
	resp, err := st.Do(req)
	if err == nil {
		if pid != 0 {
			t.releaseIfLast(pid, resp)
		}
		return resp, nil
	}
	var we *wireError
	if errors.As(err, &we) {
		return we.response(req), nil
	}
	return nil, err
}

// escapedPathKey is the context key under which the transport passes the
// request's escaped URL path to the fake-server functions.
type escapedPathKey struct{}

// cryptoSuffixes are the last path segments of key operations addressed to
// /keys/{name}[/{version}]/{op}.
var cryptoSuffixes = []string{"wrapkey", "unwrapkey", "encrypt", "decrypt", "sign", "verify", "release", "attestation"}

// nameVersion returns the key name and version a request addressed. The
// fake azkeys server's path pattern lets the name swallow "/{version}"
// (its character class includes '/'), so a versioned call arrives as
// name "n/v" and version "". The escaped path, when the transport passed
// it, is parsed exactly (an escaped "%2F" stays in the name); without it
// the name is split at its first '/', which no valid key name contains.
func nameVersion(ctx context.Context, name, version string) (string, string) {
	if version != "" || !strings.Contains(name, "/") {
		return name, version
	}
	if p, ok := ctx.Value(escapedPathKey{}).(string); ok {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		if len(segs) >= 2 && segs[0] == "keys" {
			rest := segs[2:]
			if len(rest) > 0 && slices.Contains(cryptoSuffixes, rest[len(rest)-1]) {
				rest = rest[:len(rest)-1]
			}
			n, err1 := url.PathUnescape(segs[1])
			v := ""
			var err2 error
			if len(rest) == 1 {
				v, err2 = url.PathUnescape(rest[0])
			}
			if err1 == nil && err2 == nil && len(rest) <= 1 {
				return n, v
			}
		}
	}
	n, v, _ := strings.Cut(name, "/")
	return n, v
}

// pager returns the ServerTransport of req's pager and its id, starting a
// new pager when req is a first page.
func (t *transport) pager(req *http.Request) (policy.Transporter, uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := req.URL.Query()
	if s := q.Get(pagerParam); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 || id > t.next {
			return nil, 0, fmt.Errorf("%w: %s: unknown pager %q", ErrPager, req.URL.Path, s)
		}
		if !strings.Contains(req.URL.Path, "/fake_page_") {
			// The pipeline sent the first page again (a retry): start over.
			st := t.newPagerST()
			t.keep(id, st)
			return st, id, nil
		}
		st, ok := t.pagers[id]
		if !ok {
			return nil, 0, fmt.Errorf("%w: %s: pager %q was dropped or finished (at most %d pagers stay open)", ErrPager, req.URL.Path, s, maxPagers)
		}
		t.keep(id, st) // most recently used: dropped last
		return st, id, nil
	}
	t.next++
	id := t.next
	q.Set(pagerParam, strconv.FormatUint(id, 10))
	req.URL.RawQuery = q.Encode()
	st := t.newPagerST()
	t.keep(id, st)
	return st, id, nil
}

// keep records the ServerTransport of pager id as the most recently used,
// dropping the least recently used pager beyond maxPagers.
func (t *transport) keep(id uint64, st policy.Transporter) {
	t.forget(id)
	t.order = append(t.order, id)
	t.pagers[id] = st
	if len(t.order) > maxPagers {
		delete(t.pagers, t.order[0])
		t.order = t.order[1:]
	}
}

// forget removes pager id, if kept.
func (t *transport) forget(id uint64) {
	if _, ok := t.pagers[id]; ok {
		delete(t.pagers, id)
		t.order = slices.DeleteFunc(t.order, func(o uint64) bool { return o == id })
	}
}

// releaseIfLast forgets pager id once it served its last page (a 200
// without nextLink), so that finished pagers never push open ones out.
// It reads the body and puts back an identical one.
func (t *transport) releaseIfLast(id uint64, resp *http.Response) {
	if resp.StatusCode != http.StatusOK || resp.Body == nil {
		return
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var page struct {
		NextLink *string `json:"nextLink"`
	}
	if err != nil || json.Unmarshal(b, &page) != nil || page.NextLink != nil && *page.NextLink != "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.forget(id)
}

// wireError is what the adapter's fake-server functions return for a
// refused call. It unwraps to an *azcore.ResponseError with the code and
// status, so a bare fake ServerTransport (without this package's transport)
// still yields a ResponseError the application can match; through
// [transport] it becomes a full HTTP error response with a JSON body.
type wireError struct {
	status  int
	code    string // top-level error.code, what ResponseError.ErrorCode shows
	inner   string // error.innererror.code, empty if none
	message string
	re      *azcore.ResponseError
}

func newWireError(status int, code, inner, message string) *wireError {
	return &wireError{
		status: status, code: code, inner: inner, message: message,
		re: &azcore.ResponseError{ErrorCode: code, StatusCode: status},
	}
}

func (e *wireError) Error() string {
	s := fmt.Sprintf("%d %s", e.status, e.code)
	if e.inner != "" {
		s += " (" + e.inner + ")"
	}
	return s + ": " + e.message
}

func (e *wireError) Unwrap() error { return e.re }

// body is the Key Vault error document.
func (e *wireError) body() []byte {
	type inner struct {
		Code string `json:"code"`
	}
	type detail struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *inner `json:"innererror,omitempty"`
	}
	d := detail{Code: e.code, Message: e.message}
	if e.inner != "" {
		d.InnerError = &inner{Code: e.inner}
	}
	b, err := json.Marshal(struct {
		Error detail `json:"error"`
	}{d})
	if err != nil {
		panic("azsdk: marshal error body: " + err.Error()) // strings only: cannot fail
	}
	return b
}

func (e *wireError) response(req *http.Request) *http.Response {
	b := e.body()
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", e.status, http.StatusText(e.status)),
		StatusCode:    e.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       req,
	}
}
