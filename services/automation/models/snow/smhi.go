package snow

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// ReadSMHI reads one of SMHI's station downloads of meteorological
// observations (the corrected-archive CSV: ';'-separated, a metadata block
// with the station's name and climate number, then the data rows) of snow
// depth (once a day, metres, sent as cm), daily precipitation (mm) or daily
// mean air temperature (°C). Daily values end at the "Till" time; snow
// depth is an instant reading. Quality G becomes checked, Y suspect.
// Errors name the line, never a value.
func ReadSMHI(r io.Reader) ([]schemas.WeatherObservation, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = ';', -1, true
	var station, name string
	var col parser
	var out []schemas.WeatherObservation
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("snow: smhi: %w", err) // a csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0)
		switch {
		case line == 2 && len(rec) >= 2:
			name, station = rec[0], rec[1]
		case col == nil:
			col = headerParser(rec)
		default:
			o, ok, err := col(rec)
			if err != nil {
				return nil, fmt.Errorf("snow: smhi: line %d: %w", line, err)
			}
			if ok {
				o.StationID, o.StationName, o.Network = station, name, schemas.NetworkSMHI
				out = append(out, o)
			}
		}
	}
	if col == nil {
		return nil, errors.New("snow: smhi: no header row of snow depth, precipitation or air temperature")
	}
	return out, nil
}

// parser turns a data row into an observation; false for an empty row.
type parser func(rec []string) (schemas.WeatherObservation, bool, error)

// headerParser recognises the data header row of the three downloads.
func headerParser(rec []string) parser {
	if len(rec) < 4 {
		return nil
	}
	switch {
	case rec[0] == "Datum" && rec[2] == "Snödjup":
		return func(r []string) (schemas.WeatherObservation, bool, error) {
			return row(r, 3, func(o *schemas.WeatherObservation, v float64) { v *= 100; o.SnowDepthCm = &v },
				func(r []string) (time.Time, error) { return time.Parse(time.DateTime, r[0]+" "+r[1]) }, schemas.PeriodInstant)
		}
	case strings.HasPrefix(rec[0], "Från Datum") && (rec[3] == "Nederbördsmängd" || rec[3] == "Lufttemperatur"):
		set := func(o *schemas.WeatherObservation, v float64) { o.PrecipitationMm = &v }
		if rec[3] == "Lufttemperatur" {
			set = func(o *schemas.WeatherObservation, v float64) { o.AirTemperatureC = &v }
		}
		return func(r []string) (schemas.WeatherObservation, bool, error) {
			return row(r, 4, set, func(r []string) (time.Time, error) { return time.Parse(time.DateTime, r[1]) }, schemas.PeriodDay)
		}
	}
	return nil
}

// row parses a data row whose value is at valueCol−1 and quality at
// valueCol; a row without a value (the station was out of order) is
// skipped.
func row(r []string, valueCol int, set func(*schemas.WeatherObservation, float64),
	at func([]string) (time.Time, error), period schemas.WeatherPeriod) (schemas.WeatherObservation, bool, error) {
	if len(r) <= valueCol || r[0] == "" || r[valueCol-1] == "" { // a missing value
		return schemas.WeatherObservation{}, false, nil
	}
	t, err := at(r)
	if err != nil {
		return schemas.WeatherObservation{}, false, errors.New("time is not YYYY-MM-DD hh:mm:ss")
	}
	v, err := strconv.ParseFloat(r[valueCol-1], 64)
	if err != nil {
		return schemas.WeatherObservation{}, false, errors.New("value is not a number")
	}
	o := schemas.WeatherObservation{ObservedAt: t.UTC(), Period: period, Quality: schemas.QualitySuspect}
	if r[valueCol] == "G" {
		o.Quality = schemas.QualityChecked
	}
	set(&o, v)
	return o, true, nil
}
