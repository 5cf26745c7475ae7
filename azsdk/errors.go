package azsdk

import (
	"errors"
	"fmt"
	"net/http"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/atrest-sim/atrest/vault"
)

// innerCodes are the codes Key Vault reports as error.innererror.code under
// a generic top-level code, so that ResponseError.ErrorCode shows the
// generic one: a disabled key answers 403 "Forbidden" with inner
// "KeyDisabled" (F11), a name held by a soft-deleted object 409 "Conflict"
// with inner "ObjectIsDeletedButRecoverable" (F24). KeyExpired and
// KeyNotYetValid follow the same form (inference from F10, F11).
var innerCodes = map[string]bool{
	"KeyDisabled":                   true,
	"SecretDisabled":                true,
	"KeyExpired":                    true,
	"KeyNotYetValid":                true,
	"SecretExpired":                 true,
	"SecretNotYetValid":             true,
	"ObjectIsDeletedButRecoverable": true,
}

// outerCode is the generic top-level code of an inner code, by status.
func outerCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadParameter"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusConflict:
		return "Conflict"
	}
	return http.StatusText(status)
}

// fromVault converts an error of the vault package into the error the real
// service would answer. An error of another type (none is expected) becomes
// a 500 InternalError.
func fromVault(err error) *wireError {
	var ve *vault.Error
	if !errors.As(err, &ve) {
		return newWireError(http.StatusInternalServerError, "InternalError", "", "azsdk: "+err.Error())
	}
	code, inner := ve.Code, ""
	if innerCodes[code] {
		code, inner = outerCode(ve.Status), ve.Code
	}
	return newWireError(ve.Status, code, inner, ve.Error())
}

// notImplemented is the answer to an operation, or a parameter of one, that
// the atrest vault does not model: 501 NotImplemented, naming it. It is
// never a silent success.
func notImplemented(format string, args ...any) *wireError {
	msg := fmt.Sprintf(format, args...)
	return newWireError(http.StatusNotImplemented, "NotImplemented", "", "azsdk: "+msg+" is not modelled by the atrest vault simulation")
}

// badParameter is a 400 BadParameter for a request the adapter cannot
// translate (for example a tag with a null value).
func badParameter(format string, args ...any) *wireError {
	return newWireError(http.StatusBadRequest, "BadParameter", "", "azsdk: "+fmt.Sprintf(format, args...))
}

// errResp packs a *wireError into an azfake.ErrorResponder.
func errResp(e *wireError) azfake.ErrorResponder {
	var r azfake.ErrorResponder
	r.SetError(e)
	return r
}
