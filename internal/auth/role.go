// Package auth holds accounts, roles, sessions, API tokens and the one
// authorization policy every handler passes through.
package auth

import (
	"pubdata/internal/apperr"
)

// Role is what a user does on the platform (DESIGN.md, "Who uses it").
type Role string

// The roles. Each is scoped: agency roles to an agency (and so its
// jurisdiction), authority roles to a jurisdiction, public roles to nothing.
const (
	AgencyOfficer     Role = "agency_officer"     // 数据管理员: catalogs, feeds, answers requests
	AgencyUser        Role = "agency_user"        // 数据使用机构: asks for and uses shared data
	AuthorityReviewer Role = "authority_reviewer" // 公共数据主管部门: reviews, coordinates, supervises
	ChiefDataOfficer  Role = "chief_data_officer" // 首席数据官 (JM §28, HZ §8)
	PublicUser        Role = "public_user"        // 公共数据利用主体 (GD-OPEN)
	DataSubject       Role = "data_subject"       // 数据主体 (GD-290 ch.8)
	Auditor           Role = "auditor"            // 安全管理责任人: audit trail, backups
	Admin             Role = "admin"              // 系统管理员: organisations and accounts
)

// Roles lists every role in display order.
var Roles = []Role{AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, PublicUser, DataSubject, Auditor, Admin}

// Scope is what a role is attached to.
type Scope int

// The scopes of a role.
const (
	ScopeNone         Scope = iota // public users and data subjects
	ScopeAgency                    // an agency, and through it a jurisdiction
	ScopeJurisdiction              // a jurisdiction (the user belongs to its authority)
)

// Scope returns what the role is attached to.
func (r Role) Scope() Scope {
	switch r {
	case AgencyOfficer, AgencyUser, ChiefDataOfficer:
		return ScopeAgency
	case AuthorityReviewer, Auditor, Admin:
		return ScopeJurisdiction
	}
	return ScopeNone
}

// Government reports whether the role belongs to a government body.
func (r Role) Government() bool { return r.Scope() != ScopeNone }

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", apperr.Invalidf("role.unknown", "role", "未知角色："+s, "unknown role: "+s)
}

var roleTitles = map[Role][2]string{
	AgencyOfficer:     {"机构数据管理员", "Agency data officer"},
	AgencyUser:        {"数据使用机构用户", "Agency data user"},
	AuthorityReviewer: {"公共数据主管部门审核员", "Authority reviewer"},
	ChiefDataOfficer:  {"首席数据官", "Chief data officer"},
	PublicUser:        {"公共数据利用主体", "Public data user"},
	DataSubject:       {"数据主体", "Data subject"},
	Auditor:           {"安全审计员", "Security auditor"},
	Admin:             {"系统管理员", "System administrator"},
}

// Title returns the role's name in zh or en.
func (r Role) Title(lang string) string {
	t, ok := roleTitles[r]
	if !ok {
		return string(r)
	}
	if lang == "en" {
		return t[1]
	}
	return t[0]
}

// Permission names something a caller may do. Routes declare one each; the
// policy below decides which roles hold it. Object-level rules (the agency's
// own data, the jurisdiction's subtree) are checked by the domain services.
type Permission string

// The permissions.
const (
	PermPublic       Permission = "public"        // anyone, signed in or not
	PermSignedIn     Permission = "signed_in"     // any signed-in user: home, own profile, own tokens
	PermOrgRead      Permission = "org.read"      // list jurisdictions and agencies
	PermOrgManage    Permission = "org.manage"    // create and change jurisdictions and agencies
	PermUserManage   Permission = "user.manage"   // create and change accounts, revoke their tokens
	PermAuditRead    Permission = "audit.read"    // browse, export and verify the audit trail
	PermRulesRead    Permission = "rules.read"    // read rule profiles
	PermCalendarEdit Permission = "calendar.edit" // load a new year of the working-day calendar
	PermCaseRead     Permission = "case.read"     // see cases of one's agency or jurisdiction
	PermCaseOpen     Permission = "case.open"     // open a case (e.g. submit for review)
	PermCaseAct      Permission = "case.act"      // act on a case as applicant or respondent
	PermNoticeRead   Permission = "notice.read"   // see supervision notices

	PermCatalogRead   Permission = "catalog.read"   // search and read the catalog; own drafts; registers
	PermCatalogEdit   Permission = "catalog.edit"   // draft, change, submit and import the agency's entries and registers
	PermCatalogReview Permission = "catalog.review" // approve or return versions, settle source conflicts
	PermCatalogManage Permission = "catalog.manage" // delist an entry, record a change of its legal basis

	PermDataRead   Permission = "data.read"   // see datasets, batches, quality, base and theme databases (metadata, not rows)
	PermDataLoad   Permission = "data.load"   // feed the agency's datasets: upload, push, pull sources, exemptions
	PermDataGovern Permission = "data.govern" // bind base databases, define theme databases and return flows

	PermShareRead      Permission = "share.read"      // see share requests, grants, usage, feedback and error reports of one's agency or jurisdiction
	PermShareRequest   Permission = "share.request"   // ask for data, register application systems, report use and data errors
	PermShareDecide    Permission = "share.decide"    // answer requests as the source agency, verify and fix reported errors
	PermShareSupervise Permission = "share.supervise" // suspend and restore grants (HZ §25)
	// PermApp marks the sharing gateway's routes: the caller is an
	// application system with its client credentials, checked by the
	// gateway itself; no user role holds it.
	PermApp Permission = "app"
)

// policy: which roles hold which permission. Least privilege: the auditor
// reads the trail but changes nothing; the administrator manages
// organisations and accounts but reads no audit or case data.
var policy = map[Permission][]Role{
	PermOrgRead:      {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, Auditor, Admin},
	PermOrgManage:    {Admin},
	PermUserManage:   {Admin},
	PermAuditRead:    {Auditor},
	PermRulesRead:    {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, Auditor, Admin},
	PermCalendarEdit: {Admin},
	PermCaseRead:     {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer},
	PermCaseOpen:     {AgencyOfficer},
	PermCaseAct:      {AgencyOfficer, AuthorityReviewer},
	PermNoticeRead:   {AuthorityReviewer, ChiefDataOfficer, AgencyOfficer},

	PermCatalogRead:   {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, Auditor},
	PermCatalogEdit:   {AgencyOfficer},
	PermCatalogReview: {AuthorityReviewer},
	PermCatalogManage: {AgencyOfficer, AuthorityReviewer},

	PermDataRead:   {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, Auditor},
	PermDataLoad:   {AgencyOfficer},
	PermDataGovern: {AgencyOfficer, AuthorityReviewer},

	PermShareRead:      {AgencyOfficer, AgencyUser, AuthorityReviewer, ChiefDataOfficer, Auditor},
	PermShareRequest:   {AgencyOfficer, AuthorityReviewer},
	PermShareDecide:    {AgencyOfficer},
	PermShareSupervise: {AuthorityReviewer},
}

// Can reports whether the role holds the permission.
func (r Role) Can(p Permission) bool {
	switch p {
	case PermPublic:
		return true
	case PermSignedIn:
		return r != ""
	}
	for _, x := range policy[p] {
		if x == r {
			return true
		}
	}
	return false
}
