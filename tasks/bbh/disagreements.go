package bbh

// knownDisagreements lists, per task and by index in bbh/<task>.json at the
// pinned commit, the official examples whose target the solver does not
// reproduce, and why the official item is at fault. The self-check prints
// each with the solver's own finding beside it, fails on any disagreement
// not listed here, and fails on any entry the solver has come to agree
// with. Only the tasks the issue allows 98% for may have entries.
var knownDisagreements = map[string]map[int]string{
	"date_understanding": dateFaults(),
	"geometric_shapes": {
		0:   "malformed: the path has seven points but one lies on the edge between its neighbours, so it draws a hexagon; the official target counts points and says heptagon",
		212: "malformed: the path has seven points but one lies on the edge between its neighbours, so it draws a hexagon; the official target counts points and says heptagon",
	},
}

func dateFaults() map[int]string {
	const (
		anniversary = "malformed: married Jan 2, 1958, a 5-year anniversary is Jan 2, 1963 (the task's own exemplar with the same sentence says so), but the official targets take today to be Jan 2, 1961"
		hours       = "malformed: 36 hours before 2015 begins is noon on Dec 30, 2014, but the official targets take today to be Dec 29, 2014"
		thanks      = "malformed: the US Thanksgiving of 2001 is Nov 22, 2001, but the official target and options are dated 2002 (when it fell on Nov 28), so no option is right"
	)
	m := map[int]string{
		73: "malformed: the last day of Jan 2012 is Jan 31, 2012 and a week later is 02/07/2012 (an option), but the official target is 02/06/2012",
	}
	for _, i := range []int{2, 122, 145, 180, 184, 244} {
		m[i] = anniversary
	}
	for _, i := range []int{23, 138, 146, 163, 164, 185, 211} {
		m[i] = hours
	}
	for _, i := range []int{72, 80, 102, 117, 157, 202} {
		m[i] = thanks
	}
	return m
}
