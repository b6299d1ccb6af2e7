// Package security is the home of the platform's national cryptography
// (GD-290 ch.9; GB/T 32905 SM3, GB/T 32907 SM4, GB/T 32918 SM2) and of the
// protection of data at rest and in sharing. It holds the Sealer, which
// seals the secrets the platform must keep in its database (such as the
// connection string of an agency's source database or a grant's pseudonym
// key), and the sharing gateway's masking functions (mask.go). Every algorithm comes from a maintained library
// (github.com/emmansun/gmsm) and interoperates with OpenSSL 3's SM3/SM4.
package security
