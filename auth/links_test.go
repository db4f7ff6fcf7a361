package auth

import (
	"net/url"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

func TestSignedLinks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := NewLinkSigner([]byte("0123456789abcdef0123456789abcdef"))
	s.now = func() time.Time { return now }
	grant := domain.Grant{Role: domain.Analyst, Clearance: domain.Restricted}
	raw, exp := s.Sign(Link{Workspace: "ws_1", Format: "csv", Pseudonymize: true, Subject: "token:t", Grant: grant})
	if !exp.Equal(now.Add(LinkTTL)) {
		t.Errorf("expiry %v", exp)
	}
	q, _ := url.ParseQuery(raw)
	c, pseudo, err := s.Verify("ws_1", "csv", q)
	if err != nil || !pseudo || c.Subject != "token:t (link)" || c.Grants["ws_1"] != grant || len(c.Grants) != 1 {
		t.Fatalf("a good link: %+v %v %v", c, pseudo, err)
	}
	tamper := func(k, v string) url.Values {
		out := url.Values{}
		for key, vals := range q {
			out[key] = append([]string(nil), vals...)
		}
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
		return out
	}
	for name, tc := range map[string]struct {
		ws, format string
		q          url.Values
	}{
		"another workspace":    {"ws_2", "csv", q},
		"another format":       {"ws_1", "gexf", q},
		"raised clearance":     {"ws_1", "csv", tamper("cl", "CONFIDENTIAL")},
		"raised role":          {"ws_1", "csv", tamper("role", "OWNER")},
		"later expiry":         {"ws_1", "csv", tamper("exp", "99999999999")},
		"not pseudonymised":    {"ws_1", "csv", tamper("pseudonymize", "")},
		"another subject":      {"ws_1", "csv", tamper("sub", "admin")},
		"no signature":         {"ws_1", "csv", tamper("sig", "")},
		"another key's answer": {"ws_1", "csv", tamper("sig", "AAAA")},
	} {
		if _, _, err := s.Verify(tc.ws, tc.format, tc.q); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("%s: %v, want UNAUTHENTICATED", name, err)
		}
	}
	now = now.Add(LinkTTL)
	if _, _, err := s.Verify("ws_1", "csv", q); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("an expired link: %v", err)
	}
	other := NewLinkSigner(nil)
	if _, _, err := other.Verify("ws_1", "csv", q); err == nil {
		t.Error("a link made with another key verified")
	}
}
