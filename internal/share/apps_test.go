package share_test

import "testing"

func TestFixtureBuilds(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		if f.Persons.ID == 0 || f.HRSSApp.ClientSecret == "" {
			t.Fatal("fixture incomplete")
		}
		if _, err := f.A.Share.Authenticate(t.Context(), f.HRSSApp.ClientID, f.HRSSApp.ClientSecret); err != nil {
			t.Fatal(err)
		}
		if _, err := f.A.Share.Authenticate(t.Context(), f.HRSSApp.ClientID, f.HealthApp.ClientSecret); err == nil {
			t.Fatal("wrong secret accepted")
		}
	})
}
