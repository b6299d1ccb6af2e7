package share

import (
	"testing"
	"time"
)

// TestFixAppCacheGuards: the application cache trusts an entry for
// grantTTL only, and an application read before an invalidation (a
// disable or a rotation committing meanwhile) is not cached after it.
func TestFixAppCacheGuards(t *testing.T) {
	var c appCache
	c.init()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	e := &cachedApp{App: App{ClientID: "app_x"}, cur: "old", loaded: now}

	gen := c.generation()
	c.invalidate("app_x") // a disable commits while the row is being read
	c.put(e, gen)
	if _, ok := c.get("app_x", now); ok {
		t.Fatal("a row read before an invalidation was cached after it")
	}

	c.put(e, c.generation())
	if _, ok := c.get("app_x", now.Add(grantTTL-time.Second)); !ok {
		t.Fatal("a fresh entry was not served from the cache")
	}
	if _, ok := c.get("app_x", now.Add(grantTTL)); ok {
		t.Fatal("an entry older than grantTTL was trusted")
	}
	if _, ok := c.get("app_x", now.Add(-time.Minute)); ok {
		t.Fatal("an entry loaded in the future (clock set back) was trusted")
	}
}

// TestFixGrantCacheRevoking: a grant being revoked by a transaction not yet
// committed is not cached from a read that still sees it in force, and is
// cached again once read revoked.
func TestFixGrantCacheRevoking(t *testing.T) {
	var c grantCache
	c.init()
	c.revoking(7)
	active := &cachedGrant{Grant: Grant{ID: 7, State: GrantActive}, loaded: time.Now()}
	c.put(active, c.generation()) // read before the commit, after the hook ran
	if _, ok := c.get(7); ok {
		t.Fatal("a grant read in force before its revocation committed was cached")
	}
	revoked := &cachedGrant{Grant: Grant{ID: 7, State: GrantRevoked}, loaded: time.Now()}
	c.put(revoked, c.generation())
	if g, ok := c.get(7); !ok || g.State != GrantRevoked {
		t.Fatal("the revoked grant was not cached once read")
	}
	if _, ok := c.ending[7]; ok {
		t.Fatal("the revocation mark outlived the read that saw it")
	}
}
