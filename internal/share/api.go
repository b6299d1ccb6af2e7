package share

import "pubdata/internal/httpx"

// Register adds the sharing API under /api/v1/share to the router, one
// permission per route; the service checks who exactly may (the consumer,
// the source agency, the authorities over either). The gateway's routes
// take application credentials (auth.PermApp), checked by the gateway.
func (s *Service) Register(rt *httpx.Router) {
	s.registerRequests(rt)
	s.registerGateway(rt)
	s.registerFollowUp(rt)
}
