package azsdk

import (
	secretsfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets/fake"
)

// secretsServer fills every function field of a fake azsecrets server.
func (a *Adapter) secretsServer() *secretsfake.Server {
	return &secretsfake.Server{}
}
