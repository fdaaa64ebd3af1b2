package release

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/vasteras/civicbus/services/opendata/anon"
)

// district is one district of a districts file: its name, the area it
// belongs to, and a representative point (WGS 84).
type district struct {
	name, area string
	lat, lon   float64
}

// districtHierarchy generalises coordinates ("lat,lon" in WGS 84 decimal
// degrees) to the district whose point is nearest, then to that district's
// area when the file names areas, then to "*". The file is CSV with a
// header: district;area;lat;lon (area may be empty for all rows, and then
// that level is left out). Nearest-point assignment is what a district map
// drawn as the Voronoi cells of its points gives: give each district a
// point inside it, more than one row per district for odd shapes.
func districtHierarchy(path string) (*anon.Hierarchy, error) {
	ds, err := readDistricts(path)
	if err != nil {
		return nil, err
	}
	nearest := func(v string) (district, error) {
		lat, lon, err := parseLatLon(v)
		if err != nil {
			return district{}, err
		}
		best, bestD := ds[0], math.Inf(1)
		for _, d := range ds {
			if x := haversine(lat, lon, d.lat, d.lon); x < bestD {
				best, bestD = d, x
			}
		}
		return best, nil
	}
	levels := []func(string) (string, error){
		func(v string) (string, error) { d, err := nearest(v); return d.name, err },
	}
	if ds[0].area != "" {
		levels = append(levels, func(v string) (string, error) { d, err := nearest(v); return d.area, err })
	}
	levels = append(levels, func(string) (string, error) { return "*", nil })
	return anon.FuncHierarchy(levels...)
}

func readDistricts(path string) ([]district, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("districts file: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = 4
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("districts file %s: header: %w", path, err)
	}
	var out []district
	withArea := -1
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("districts file %s: %w", path, err)
		}
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(rec[3]), 64)
		if err1 != nil || err2 != nil || rec[0] == "" {
			return nil, fmt.Errorf("districts file %s: line %d: want district;area;lat;lon with decimal degrees", path, line)
		}
		hasArea := 0
		if rec[1] != "" {
			hasArea = 1
		}
		if withArea >= 0 && withArea != hasArea {
			return nil, fmt.Errorf("districts file %s: line %d: give an area on every line or on none", path, line)
		}
		withArea = hasArea
		out = append(out, district{name: rec[0], area: rec[1], lat: lat, lon: lon})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("districts file %s: no districts", path)
	}
	areaOf := map[string]string{}
	for _, d := range out {
		if a, ok := areaOf[d.name]; ok && a != d.area {
			return nil, fmt.Errorf("districts file %s: district %s is in two areas", path, d.name)
		}
		areaOf[d.name] = d.area
	}
	return out, nil
}

// parseLatLon reads "lat,lon"; its error never holds the value.
func parseLatLon(v string) (float64, float64, error) {
	a, b, ok := strings.Cut(v, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return 0, 0, errors.New(`not a coordinate "lat,lon" in decimal degrees`)
	}
	return lat, lon, nil
}

// haversine is the great-circle distance in kilometres.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
