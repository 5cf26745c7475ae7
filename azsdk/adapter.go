package azsdk

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	keysfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	secretsfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets/fake"

	"github.com/atrest-sim/atrest/vault"
)

// DefaultPageSize is the number of items a list page holds when
// [Options.PageSize] is zero: 25, the service's default maxresults.
const DefaultPageSize = 25

// maxPageSize is the service's largest maxresults.
const maxPageSize = 25

// Options tune an [Adapter]. The zero value is ready to use.
type Options struct {
	// PageSize is the number of items per list page, 1 to 25; zero means
	// [DefaultPageSize]. Small pages exercise an application's paging.
	PageSize int
}

// Sentinel errors; match them with [errors.Is].
var (
	// ErrBadOptions reports an [Options] value out of range, or a nil
	// vault client given to [New].
	ErrBadOptions = errors.New("azsdk: bad options")

	// ErrOtherHost reports a request for a host other than the adapter's
	// vault ([Adapter.VaultURL]); it never reaches the vault.
	ErrOtherHost = errors.New("azsdk: request for another host")

	// ErrPager reports a next-page request of a pager the transport does
	// not know, or dropped because more than 64 pagers were open at once.
	ErrPager = errors.New("azsdk: unknown or dropped pager")
)

// Adapter answers the Azure SDK's fake Key Vault servers from an atrest
// vault client: every call an azkeys.Client or azsecrets.Client makes
// through [Adapter.KeysClientOptions] or [Adapter.SecretsClientOptions] runs
// as the client's principal against the simulated vault, authorized and
// audited there. It is safe for concurrent use.
type Adapter struct {
	c        *vault.Client
	url      string
	host     string
	pageSize int
}

// New returns an adapter acting as c's principal on c's vault.
func New(c *vault.Client, o *Options) (*Adapter, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil vault client", ErrBadOptions)
	}
	a := &Adapter{c: c, pageSize: DefaultPageSize}
	if o != nil && o.PageSize != 0 {
		if o.PageSize < 1 || o.PageSize > maxPageSize {
			return nil, fmt.Errorf("%w: PageSize must be 1 to %d, got %d", ErrBadOptions, maxPageSize, o.PageSize)
		}
		a.pageSize = o.PageSize
	}
	a.host = strings.ToLower(c.Vault()) + ".vault.azure.net"
	a.url = "https://" + a.host
	return a, nil
}

// VaultURL returns the vault's data-plane URL, https://{vault}.vault.azure.net
// (F1), to pass to azkeys.NewClient and azsecrets.NewClient. Requests for
// any other host fail.
func (a *Adapter) VaultURL() string { return a.url }

// KeysServer returns a new fake azkeys server whose every function field is
// set: modelled operations call the vault, the others answer 501
// NotImplemented. Prefer [Adapter.KeysClientOptions], whose transport also
// turns refusals into real HTTP error responses and keeps concurrent pagers
// apart; with a bare keysfake.NewServerTransport a refusal still arrives as
// an *azcore.ResponseError with the right ErrorCode and StatusCode, but
// without the error body.
func (a *Adapter) KeysServer() *keysfake.Server { return a.keysServer() }

// SecretsServer is [Adapter.KeysServer] for azsecrets.
func (a *Adapter) SecretsServer() *secretsfake.Server { return a.secretsServer() }

// KeysClientOptions returns options that connect an azkeys.Client to the
// simulated vault. Retries are off: the simulation answers at once and never
// throttles, and a retry would repeat the call in the audit log. Use them
// with [Adapter.VaultURL] and any credential, such as azfake.TokenCredential.
func (a *Adapter) KeysClientOptions() *azkeys.ClientOptions {
	srv := a.keysServer()
	t := newTransport(a.host, func() policy.Transporter { return keysfake.NewServerTransport(srv) })
	return &azkeys.ClientOptions{ClientOptions: clientOptions(t)}
}

// SecretsClientOptions is [Adapter.KeysClientOptions] for azsecrets.
func (a *Adapter) SecretsClientOptions() *azsecrets.ClientOptions {
	srv := a.secretsServer()
	t := newTransport(a.host, func() policy.Transporter { return secretsfake.NewServerTransport(srv) })
	return &azsecrets.ClientOptions{ClientOptions: clientOptions(t)}
}

func clientOptions(t policy.Transporter) azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: t,
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}
