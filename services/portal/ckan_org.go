package portal

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// slug is an organisation's CKAN name: lower-case ASCII letters, digits
// and hyphens.
func slug(s string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "Å", "a", "Ä", "a", "Ö", "o")
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(r.Replace(s)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// ckanOrg is an organisation as CKAN's dictionary; packages < 0 leaves
// the count out.
func (s *Service) ckanOrg(o Org, packages int) map[string]any {
	m := map[string]any{"id": "SE" + strings.ReplaceAll(o.OrgNumber, "-", ""), "name": slug(o.Name), "title": o.Name, "display_name": o.Name,
		"type": "organization", "is_organization": true, "state": "active", "approval_status": "approved", "description": "", "image_url": ""}
	if packages >= 0 {
		m["package_count"] = packages
	}
	return m
}

// organizations are the publishers of the datasets, with their datasets.
func (s *Service) organizations(r *http.Request) ([]Org, map[Org][]Dataset, error) {
	ds, err := s.datasets(r.Context())
	if err != nil {
		return nil, nil, err
	}
	var orgs []Org
	byOrg := map[Org][]Dataset{}
	for _, d := range ds {
		o := d.publisher()
		if _, ok := byOrg[o]; !ok {
			orgs = append(orgs, o)
		}
		byOrg[o] = append(byOrg[o], d)
	}
	slices.SortFunc(orgs, func(a, b Org) int { return cmp.Compare(slug(a.Name), slug(b.Name)) })
	return orgs, byOrg, nil
}

func (s *Service) organizationList(r *http.Request, p url.Values) (any, error) {
	all := p.Get("all_fields")
	if all != "" && all != "true" && all != "false" {
		return nil, badParam("all_fields", "must be true or false")
	}
	orgs, byOrg, err := s.organizations(r)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, o := range orgs {
		if all == "true" {
			out = append(out, s.ckanOrg(o, len(byOrg[o])))
		} else {
			out = append(out, slug(o.Name))
		}
	}
	return out, nil
}

func (s *Service) organizationShow(r *http.Request, p url.Values) (any, error) {
	id := p.Get("id")
	if id == "" {
		return nil, badParam("id", "Missing value")
	}
	orgs, byOrg, err := s.organizations(r)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		m := s.ckanOrg(o, len(byOrg[o]))
		if id != m["id"] && id != m["name"] {
			continue
		}
		if p.Get("include_datasets") == "true" {
			pkgs := []map[string]any{}
			for _, d := range byOrg[o] {
				pkgs = append(pkgs, s.ckanPackage(d))
			}
			m["packages"] = pkgs
		}
		return m, nil
	}
	return nil, ErrNotFound
}
