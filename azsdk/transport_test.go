package azsdk

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// nopTransporter answers every request with 200 and no body.
type nopTransporter struct{}

func (nopTransporter) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// TestUnknownPager: a next-page request that names a pager the transport
// never started (a forged or stale link) fails with ErrPager.
func TestUnknownPager(t *testing.T) {
	tr := newTransport("kv1.vault.azure.net", func() policy.Transporter { return nopTransporter{} })
	for _, q := range []string{"0", "1", "x", "18446744073709551616"} {
		req := httptest.NewRequest(http.MethodGet, "https://kv1.vault.azure.net/keys/fake_page_2?"+pagerParam+"="+q, nil)
		if _, _, err := tr.pager(req); !errors.Is(err, ErrPager) {
			t.Errorf("pager(%s) = %v, want ErrPager", q, err)
		}
	}
}
