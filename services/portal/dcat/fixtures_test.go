package dcat

import "time"

// The test catalog: the demo datasets of demo/datasets.d, copied as values.

var vasteras = Publisher{Name: "Västerås stad", OrgNumber: "212000-2080", Type: "LocalAuthority"}

const testBase = "https://opendata.vasteras.se"

func testCatalog() Catalog {
	return Catalog{
		BaseURL: testBase,
		Title:   Text{SV: "Västerås stads öppna data", EN: "City of Västerås open data"},
		Description: Text{
			SV: "Öppna datamängder från Västerås stad: befolkning, skola, omsorg, måltider och väder.",
			EN: "Open datasets from the City of Västerås: population, schools, care, meals and weather.",
		},
		Publisher: vasteras,
		Licence:   LicenceCC0,
		Spatial:   Spatial{Name: "Västerås kommun"},
		Issued:    time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC),
		Modified:  time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC),
		Datasets: []Dataset{
			testDataset("2f8d6b4a-15c9-4e73-9a2b-7d0e3c5f1a68", "births-and-migration",
				Text{SV: "Födda och flyttningar per år och område", EN: "Births and migration per year and area"},
				Text{SV: "Levande födda, inflyttade och utflyttade per år, kön och område, från SCB:s befolkningsstatistik. Underlag för prognosen över förskole- och skolplatser.",
					EN: "Live births, in-migrants and out-migrants per year, sex and area, from Statistics Sweden. Input to the forecast of preschool and school places."},
				[]string{"SOCI", "REGI"},
				Keywords{SV: []string{"födda", "flyttningar", "befolkning", "prognos"}, EN: []string{"births", "migration", "population", "forecast"}},
				Contact{Name: "Västerås stad, öppna data", Email: "opendata@vasteras.se"},
				LicenceCC0, "annual", Spatial{Name: "Västerås kommun"}, "statistics"),
			testDataset("9d41f2c3-7b8e-4a65-b0c1-3e5f7a9d2b46", "care-alarms-per-month",
				Text{SV: "Larm i äldreomsorgen per månad och område", EN: "Elderly-care alarms per month and district"},
				Text{SV: "Antal larm från trygghetslarm och sensorer i hemtjänst och särskilt boende, per månad, område och typ av larm. Celler med färre än fem larm är dolda.",
					EN: "Number of alarms from safety alarms and sensors in home care and care homes, per month, district and kind of alarm. Cells with fewer than five alarms are suppressed."},
				[]string{"HEAL", "SOCI"},
				Keywords{SV: []string{"äldreomsorg", "trygghetslarm", "hemtjänst", "välfärdsteknik"}, EN: []string{"elderly care", "safety alarm", "home care", "welfare technology"}},
				Contact{Name: "Västerås stad, vård och omsorg", Email: "opendata@vasteras.se"},
				LicenceCCBY4, "monthly", Spatial{Name: "Västerås kommun"}, ""),
			testDataset("4c2e8b1d-93a7-4f50-8e6d-1b7c9a3f5e02", "food-waste-per-kitchen",
				Text{SV: "Matsvinn per kök och dag", EN: "Food waste per kitchen and day"},
				Text{SV: "Vägt matsvinn i Västerås skolkök per kök, dag och måltid: kökssvinn, serveringssvinn och tallrikssvinn i kilo, och antal ätande.",
					EN: "Weighed food waste in Västerås school kitchens per kitchen, day and meal: kitchen, serving and plate waste in kilograms, and the number of diners."},
				[]string{"EDUC", "ENVI"},
				Keywords{SV: []string{"matsvinn", "skolmåltider", "skolkök"}, EN: []string{"food waste", "school meals", "school kitchens"}},
				Contact{Name: "Västerås stad, kost och restaurang", Email: "opendata@vasteras.se"},
				LicenceCC0, "weekly", Spatial{Name: "Västerås kommun"}, ""),
			testDataset("3b7e6a52-41f0-4c1e-9d7a-2f5c8e1a9b01", "population-by-age-band",
				Text{SV: "Befolkning per åldersgrupp, kön och kommun", EN: "Population by age band, sex and municipality"},
				Text{SV: "Folkmängd den 31 december per femårsgrupp, kön och kommun i Västmanlands län, beräknad från SCB:s befolkning per ettårsklass. Celler med färre än fem personer är dolda.",
					EN: "Population on 31 December by five-year age band, sex and municipality in Västmanland county, computed from Statistics Sweden's population by single year of age. Cells with fewer than five persons are suppressed."},
				[]string{"SOCI", "REGI"},
				Keywords{SV: []string{"befolkning", "ålder", "kommun", "SCB"}, EN: []string{"population", "age", "municipality", "Statistics Sweden"}},
				Contact{Name: "Västerås stad, öppna data", Email: "opendata@vasteras.se"},
				LicenceCC0, "annual", Spatial{Name: "Västmanlands län"}, "statistics"),
			testDataset("5a9e1c7f-38b2-4d60-9f14-6c2b8e0d3a75", "preschool-applications",
				Text{SV: "Ansökningar om förskoleplats", EN: "Preschool place applications"},
				Text{SV: "En rad per ansökan om förskoleplats: område, önskat startdatum, inlämningsdatum och önskad tid per vecka, generaliserade så att varje kombination delas av minst fem ansökningar (k-anonymitet).",
					EN: "One row per preschool place application: district, desired start date, date submitted and hours per week asked for, generalised so that every combination is shared by at least five applications (k-anonymity)."},
				[]string{"EDUC", "SOCI"},
				Keywords{SV: []string{"förskola", "ansökan", "förskoleplats", "prognos"}, EN: []string{"preschool", "application", "childcare", "forecast"}},
				Contact{Name: "Västerås stad, förskola", Email: "opendata@vasteras.se"},
				LicenceCCBY4, "monthly", Spatial{Name: "Västerås kommun"}, ""),
			testDataset("7e3a9c15-2d84-4b6f-a0e7-5c1d8f2b4a93", "weather-per-station-day",
				Text{SV: "Väder per station och dag", EN: "Weather per station and day"},
				Text{SV: "Dygnsvärden per väderstation: medel-, lägsta och högsta lufttemperatur, nederbörd och snödjup, från SMHI:s observationer (CC BY 4.0).",
					EN: "Daily values per weather station: mean, lowest and highest air temperature, precipitation and snow depth, from SMHI's observations (CC BY 4.0)."},
				[]string{"ENVI", "TRAN"},
				Keywords{SV: []string{"väder", "temperatur", "snödjup", "nederbörd", "vinterväghållning"}, EN: []string{"weather", "temperature", "snow depth", "precipitation", "winter road maintenance"}},
				Contact{Name: "Västerås stad, öppna data", Email: "opendata@vasteras.se"},
				LicenceCCBY4, "daily", Spatial{IRI: "http://sws.geonames.org/2661886", Name: "Sverige"}, "meteorological"),
		},
	}
}

// testDataset is a dataset with the period, dates and the CSV, JSON and
// NDJSON distributions every demo dataset has.
func testDataset(id, name string, title, desc Text, themes []string, kw Keywords, cp Contact,
	lic Licence, freq string, spatial Spatial, hvd string) Dataset {
	page := testBase + "/datasets/" + name
	var dists []Distribution
	for _, f := range []string{"csv", "json", "ndjson"} {
		dists = append(dists, Distribution{
			Format:       f,
			AccessURL:    page,
			DownloadURL:  page + "/latest." + f,
			Title:        Text{SV: name + " (" + f + ")", EN: name + " (" + f + ")"},
			Description:  Text{SV: "Senaste versionen som " + f + ".", EN: "The latest version as " + f + "."},
			Availability: "stable",
			Modified:     time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC),
		})
	}
	return Dataset{
		ID: id, Title: title, Description: desc, Themes: themes, Keywords: kw, ContactPoint: cp,
		Licence: lic, UpdateFrequency: freq, Spatial: spatial, HVDCategory: hvd,
		Temporal:      Temporal{Start: "2015-01-01", End: "2025-12-31"},
		LandingPage:   page,
		Issued:        time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC),
		Modified:      time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC),
		Distributions: dists,
	}
}

// hostile is text that every serialisation must escape.
const hostile = "<script>alert(\"x&y\")</script> 'quoted' \\ back\\slash\ttab\r\nnew line ]]> &amp; \"\"\" end\""

// hostileCatalog is the test catalog with hostile titles, keywords and
// descriptions in one dataset.
func hostileCatalog() Catalog {
	c := testCatalog()
	d := &c.Datasets[1]
	d.Title = Text{SV: hostile, EN: hostile + " en"}
	d.Description.SV = hostile + "\n" + d.Description.SV
	d.Keywords.SV = append(d.Keywords.SV, hostile)
	d.ContactPoint.Name = hostile
	c.Title.EN = hostile
	return c
}
