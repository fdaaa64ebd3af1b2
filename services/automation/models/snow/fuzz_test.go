package snow

import (
	"strings"
	"testing"
)

// FuzzReadSMHI: any input either fails with an error or gives observations
// that each carry exactly one of the three measures.
func FuzzReadSMHI(f *testing.F) {
	f.Add("Stationsnamn;Klimatnummer\nHandsjön D;124290\n\nDatum;Tid (UTC);Snödjup;Kvalitet;;\n2006-04-01;06:00:00;0.32;G;17;G\n2011-04-07;06:00:00;;;17;G\n")
	f.Add("a;b\nYtterhogdal;124110\nFrån Datum Tid (UTC);Till Datum Tid (UTC);Representativt dygn;Lufttemperatur;Kvalitet\n1961-01-01 00:00:01;1961-01-02 00:00:00;1961-01-01;-3.1;Y\n")
	f.Add("x\ny\nFrån Datum Tid (UTC);Till Datum Tid (UTC);Representativt dygn;Nederbördsmängd;Kvalitet\n1;2;3;4;5\n")
	f.Fuzz(func(t *testing.T, s string) {
		obs, err := ReadSMHI(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, o := range obs {
			n := 0
			for _, p := range []*float64{o.SnowDepthCm, o.PrecipitationMm, o.AirTemperatureC} {
				if p != nil {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("observation with %d measures", n)
			}
		}
	})
}
