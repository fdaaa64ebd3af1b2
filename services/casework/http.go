package casework

import "net/http"

// Mount serves the web face on mux under the configured prefix.
func (s *Service) Mount(mux *http.ServeMux) {}
