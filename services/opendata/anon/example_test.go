package anon_test

import (
	"fmt"
	"log"
	"os"

	"github.com/vasteras/civicbus/services/opendata/anon"
)

// Anonymise a small made-up patient list: postcodes masked, birth dates to
// months or years, ages to bands, so that every published record shares its
// quasi-identifiers with at least two others, leaving out at most 10%.
func ExampleAnonymize() {
	f, err := os.Open("testdata/small.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	t, err := anon.ReadCSV(f, ';')
	if err != nil {
		log.Fatal(err)
	}
	postcode, _ := anon.MaskHierarchy(3)
	age, _ := anon.IntervalHierarchy(5, 10, 20)
	r, err := anon.Anonymize(t, anon.Policy{
		K:              3,
		MaxSuppression: 0.1,
		QuasiIdentifiers: []anon.Attribute{
			{Name: "postcode", Hierarchy: postcode},
			{Name: "birthdate", Hierarchy: anon.DateHierarchy()},
			{Name: "age", Hierarchy: age},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("levels %v, %d of %d records suppressed, loss %.3f\n", r.Levels, r.Suppressed, t.Len(), r.Loss)
	for row := range r.Rows() {
		fmt.Println(row)
		break
	}
	// Output:
	// levels [3 2 0], 0 of 60 records suppressed, loss 0.316
	// [72*** 1962 62 F J06]
}
