package privacy_test

import (
	"fmt"
	"slices"

	"github.com/vasteras/civicbus/services/opendata/privacy"
)

func ExampleScanner() {
	s, err := privacy.NewScanner(privacy.ScannerOptions{
		Dataset:           "forskolor",
		DirectIdentifiers: []string{"rektor"},
		Allow:             map[string][]privacy.Kind{"telefon": {privacy.KindPhone}},
	})
	if err != nil {
		panic(err)
	}
	out, err := s.ScanRows([]string{"namn", "telefon", "rektor", "info"}, slices.Values([][]string{
		{"Förskolan Ugglan", "021-39 00 00", "", "Öppet 06:30–18:00"},
		{"Förskolan Myran", "021-39 00 01", "", "Frågor? Ring 070-123 45 67"},
	}))
	fmt.Println(out.Passed)
	fmt.Println(err)
	// Output:
	// false
	// privacy: dataset "forskolor" column "info" row 1: a value looks like a phone number; publication stopped
}

func ExampleSuppressSmallCells() {
	cells := []privacy.Cell{
		{Keys: []string{"Bäckby", "0-5"}, Count: 12}, {Keys: []string{"Bäckby", "6-15"}, Count: 3},
		{Keys: []string{"Hammarby", "0-5"}, Count: 9}, {Keys: []string{"Hammarby", "6-15"}, Count: 15},
	}
	r, err := privacy.SuppressSmallCells(cells, []string{"district", "age"}, privacy.DefaultSmallCellThreshold)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Primary, "primary,", r.Secondary, "secondary")
	for _, e := range r.Published() {
		if e.Suppressed() {
			fmt.Println(e.Keys, "..")
		} else {
			fmt.Println(e.Keys, e.Count)
		}
	}
	// Output:
	// 1 primary, 3 secondary
	// [Bäckby 0-5] ..
	// [Bäckby 6-15] ..
	// [Bäckby Totalt] 15
	// [Hammarby 0-5] ..
	// [Hammarby 6-15] ..
	// [Hammarby Totalt] 24
	// [Totalt 0-5] 21
	// [Totalt 6-15] 18
	// [Totalt Totalt] 39
}

func ExampleNoise() {
	budget, _ := privacy.NewBudget(1.0)
	noise := privacy.NewSeededNoise(budget, 1) // tests only: NewNoise in production
	counts, _ := noise.Counts("antal", []int64{120, 45, 0}, 1, 0.5)
	sums, _ := noise.Sums("kg", [][]float64{{2.5, 3, 400}, {1}}, 10, 1, 0.5)
	_, err := noise.Counts("igen", []int64{1}, 1, 0.1)
	fmt.Println(len(counts), len(sums), budget.Spent())
	fmt.Println(err)
	// Output:
	// 3 2 1
	// privacy: epsilon budget exceeded: igen asks 0.1, 0 of 1 remains
}

func ExamplePseudonymizer() {
	key := []byte("an example key of at least thirty-two bytes") // KeyFromFile in production
	v1, _ := privacy.NewPseudonymizer(key, "2026-11")
	v2, _ := privacy.NewPseudonymizer(key, "2026-12")
	fmt.Println(v1.Pseudonym("198112189876") == v1.Pseudonym("198112189876"))
	fmt.Println(v1.Pseudonym("198112189876") == v2.Pseudonym("198112189876"))
	fmt.Println(len(v1.Pseudonym("198112189876")))
	// Output:
	// true
	// false
	// 20
}
