package catalog

import (
	"io"
	"net/http"
	"strconv"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// Register adds the catalog's API under /api/v1/catalog to the router.
func (s *Service) Register(rt *httpx.Router) {
	h := &api{s: s}
	rt.API("POST", "/api/v1/catalog/entries", auth.PermCatalogEdit, h.create)
	rt.API("GET", "/api/v1/catalog/entries/{id}", auth.PermCatalogRead, h.get)
	rt.API("PUT", "/api/v1/catalog/entries/{id}", auth.PermCatalogEdit, h.update)
	rt.API("POST", "/api/v1/catalog/entries/{id}/submit", auth.PermCatalogEdit, h.submit)
	rt.API("POST", "/api/v1/catalog/entries/{id}/review", auth.PermCatalogReview, h.review)
	rt.API("POST", "/api/v1/catalog/entries/{id}/versions", auth.PermCatalogEdit, h.newVersion)
	rt.API("GET", "/api/v1/catalog/entries/{id}/diff", auth.PermCatalogRead, h.diff)
	rt.API("POST", "/api/v1/catalog/entries/{id}/delist", auth.PermCatalogManage, h.delist)
	rt.API("POST", "/api/v1/catalog/entries/{id}/basis-change", auth.PermCatalogManage, h.basisChange)
	rt.API("GET", "/api/v1/catalog/elements", auth.PermCatalogRead, h.elements)
	rt.API("GET", "/api/v1/catalog/conflicts", auth.PermCatalogRead, h.conflicts)
	rt.API("POST", "/api/v1/catalog/conflicts/{id}/settle", auth.PermCatalogReview, h.settle)
	rt.API("GET", "/api/v1/catalog/filings", auth.PermCatalogRead, h.filings)
	rt.API("GET", "/api/v1/catalog/registers/{kind}", auth.PermCatalogRead, h.registers)
	rt.API("POST", "/api/v1/catalog/registers/{kind}", auth.PermCatalogEdit, h.addRegister)
	rt.Upload("POST", "/api/v1/catalog/registers/{kind}/{id}/documents", auth.PermCatalogEdit, MaxDocument+1<<20, h.attach)
	rt.API("GET", "/api/v1/catalog/documents/{id}", auth.PermCatalogRead, h.document)
	s.registerSearch(rt, h)
}

type api struct{ s *Service }

func (h *api) create(w http.ResponseWriter, r *http.Request) error {
	var m Metadata
	if err := httpx.DecodeJSON(r, &m); err != nil {
		return err
	}
	e, err := h.s.Create(r.Context(), httpx.Actor(r), m)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, e)
}

// entryWithVersions is an entry as the API shows it, with its history.
type entryWithVersions struct {
	Entry
	Versions []Version `json:"versions"`
}

func (h *api) get(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, vs, err := h.s.Get(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []Version{}
	}
	return httpx.WriteJSON(w, http.StatusOK, entryWithVersions{e, vs})
}

func (h *api) update(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var m Metadata
	if err := httpx.DecodeJSON(r, &m); err != nil {
		return err
	}
	e, err := h.s.Update(r.Context(), httpx.Actor(r), id, m)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}

func (h *api) submit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.s.Submit(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}

type reviewBody struct {
	Action  string `json:"action"` // approve or return
	Reasons string `json:"reasons"`
}

func (h *api) review(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in reviewBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Action != "approve" && in.Action != "return" {
		return apperr.Invalidf("catalog.review_action", "action", "审定操作须为 approve（通过）或 return（退回）", "action must be approve or return")
	}
	e, err := h.s.Review(r.Context(), httpx.Actor(r), id, in.Action, in.Reasons)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}

func (h *api) newVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.s.NewVersion(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, e)
}

func (h *api) diff(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	from, err1 := strconv.Atoi(r.URL.Query().Get("from"))
	to, err2 := strconv.Atoi(r.URL.Query().Get("to"))
	if err1 != nil || err2 != nil || from <= 0 || to <= 0 {
		return apperr.Invalidf("catalog.diff_versions", "from", "须用 from 和 to 指定两个版本号", "give two version numbers as from and to")
	}
	_, vs, err := h.s.Get(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	var a, b *Version
	for i := range vs {
		switch vs[i].Version {
		case from:
			a = &vs[i]
		case to:
			b = &vs[i]
		}
	}
	if a == nil || b == nil {
		return apperr.New(apperr.NotFound, "catalog.version_not_found", "版本不存在或无权查看", "no such version, or not visible to you")
	}
	changes := Diff(a.Metadata, b.Metadata)
	if changes == nil {
		changes = []Change{}
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "changes": changes})
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (h *api) delist(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in reasonBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.s.Delist(r.Context(), httpx.Actor(r), id, in.Reason)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}

type noteBody struct {
	Note string `json:"note"`
}

func (h *api) basisChange(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in noteBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.s.RecordBasisChange(r.Context(), httpx.Actor(r), id, in.Note)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *api) elements(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	if len([]rune(q)) > 100 {
		return apperr.Invalidf("filter.q", "q", "查询词过长", "the query is too long")
	}
	es, err := h.s.Elements(r.Context(), q)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(es))
}

func (h *api) conflicts(w http.ResponseWriter, r *http.Request) error {
	state := r.URL.Query().Get("state")
	if state != "" && state != "open" && state != "settled" {
		return apperr.Invalidf("filter.state", "state", "state 须为 open 或 settled", "state must be open or settled")
	}
	cs, err := h.s.Conflicts(r.Context(), httpx.Actor(r), state)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(cs))
}

type settleBody struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

func (h *api) settle(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in settleBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.s.Settle(r.Context(), httpx.Actor(r), id, in.Decision, in.Reason)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *api) filings(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.s.Filings(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(fs))
}

func (h *api) registers(w http.ResponseWriter, r *http.Request) error {
	kind, err := ParseRegisterKind(r.PathValue("kind"))
	if err != nil {
		return err
	}
	agency := httpx.Actor(r).AgencyID
	if s := r.URL.Query().Get("agency"); s != "" {
		if agency, err = strconv.ParseInt(s, 10, 64); err != nil || agency <= 0 {
			return apperr.Invalidf("filter.agency", "agency", "agency 须为机构编号", "agency must be an agency id")
		}
	}
	rs, err := h.s.Registers(r.Context(), httpx.Actor(r), agency, kind)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(rs))
}

type registerBody struct {
	Name   string            `json:"name"`
	Detail map[string]string `json:"detail"`
}

func (h *api) addRegister(w http.ResponseWriter, r *http.Request) error {
	kind, err := ParseRegisterKind(r.PathValue("kind"))
	if err != nil {
		return err
	}
	var in registerBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := h.s.AddRegister(r.Context(), httpx.Actor(r), kind, in.Name, in.Detail)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, reg)
}

// attach takes the document as the raw body; its name and kind in the query.
func (h *api) attach(w http.ResponseWriter, r *http.Request) error {
	if _, err := ParseRegisterKind(r.PathValue("kind")); err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	content, err := io.ReadAll(r.Body)
	if err != nil {
		return apperr.New(apperr.TooLarge, "request.too_large", "文件过大", "the file is too large")
	}
	d, err := h.s.AttachDocument(r.Context(), httpx.Actor(r), id, r.URL.Query().Get("name"), r.URL.Query().Get("kind"), content)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, d)
}

func (h *api) document(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, content, err := h.s.DocumentContent(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", d.MediaType)
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+urlEscape(d.Name))
	w.Header().Set("X-Content-SHA256", d.SHA256)
	_, err = w.Write(content)
	return err
}
