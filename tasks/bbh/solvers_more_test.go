package bbh

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Table tests of the solvers on inputs written here, in the official
// form; they need no official data.

// solveCase is one input and the answer it must get ("" with bad: an
// error).
type solveCase struct {
	in, want string
}

func runSolver(t *testing.T, name string, solve func(string) (solution, error), cases []solveCase) {
	t.Helper()
	for _, c := range cases {
		sol, err := solve(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s %q: want an error, got %q", name, c.in, sol.target)
		case c.want != "" && err != nil:
			t.Errorf("%s %q: %v", name, c.in, err)
		case c.want != "" && sol.target != c.want:
			t.Errorf("%s %q = %q, want %q\n%s", name, c.in, sol.target, c.want, strings.Join(sol.steps, "\n"))
		}
	}
}

func TestSolveDyck(t *testing.T) {
	runSolver(t, "dyck", solveDyck, []solveCase{
		{dyckLeadIn + "[ { [", "] } ]"},
		{dyckLeadIn + "< > ( ( [ [ ( { } ) [ < > ] ]", "] ) )"},
		{dyckLeadIn + "< [ < [ { < [ ] < { } > > } ] > { { ( ) } { < [ < > ] > }", "} ] >"},
		{dyckLeadIn + "( )", ""},   // nothing left open
		{dyckLeadIn + "( ]", ""},   // a wrong closing bracket
		{dyckLeadIn + "", ""},      // nothing at all
		{"no lead-in ( [", ""},     // not the official form
		{dyckLeadIn + ") (", ""},   // closes before opening
		{dyckLeadIn + "{ ( x", ""}, // not a bracket
	})
}

func TestSolveNavigate(t *testing.T) {
	q := func(s string) string { return navLeadIn + s + navOptions }
	runSolver(t, "navigate", solveNavigate, []solveCase{
		{q("Always face forward. Take 1 step right. Take 3 steps left. Take 2 steps right."), "Yes"},
		{q("Always face forward. Take 10 steps left. Take 10 steps forward. Take 7 steps forward."), "No"},
		{q("Take 8 steps. Turn around. Take 8 steps."), "Yes"},
		// A square, turning right each time.
		{q("Take 2 steps. Turn right. Take 2 steps. Turn right. Take 2 steps. Turn right. Take 2 steps."), "Yes"},
		// Left twice is around.
		{q("Turn left. Take 3 steps. Turn left. Turn left. Take 3 steps."), "Yes"},
		// Turning changes what forward means; sideways steps follow it.
		{q("Turn right. Take 4 steps. Take 4 steps backward."), "Yes"},
		{q("Take 5 steps. Turn left. Take 5 steps."), "No"},
		{q("Take 5 steps. Jump."), ""},
		{"Take 5 steps.", ""},
	})
}

func TestSolveCounting(t *testing.T) {
	runSolver(t, "counting", solveCounting, []solveCase{
		{"I have a flute, a piano, four stoves, and two lamps. How many musical instruments do I have?", "2"},
		{"I have a flute, a piano, four stoves, and two lamps. How many objects do I have?", "6"},
		{"I have three mice, a fish, and two sheep. How many animals do I have?", "6"},
		{"I have a head of broccoli and two stalks of celery. How many vegetables do I have?", "3"},
		{"I have an apple. How many vegetables do I have?", "0"},
		{"I have a spaceship. How many objects do I have?", ""},
		{"I have a cat. How many vehicles do I have?", ""},
		{"I have lots of cats. How many animals do I have?", ""},
	})
}

func TestSolveLies(t *testing.T) {
	runSolver(t, "web_of_lies", solveLies, []solveCase{
		{"Question: Ann tells the truth. Bo says Ann lies. Cy says Bo lies. Does Cy tell the truth?", "Yes"},
		{"Question: Ann lies. Bo says Ann lies. Cy says Bo lies. Dee says Cy tells the truth. Does Dee tell the truth?", "No"},
		// Someone earlier in the chain, not only the one before.
		{"Question: Ann lies. Bo says Ann tells the truth. Cy says Ann lies. Does Cy tell the truth?", "Yes"},
		{"Question: Ann lies. Bo says Zed lies. Does Bo tell the truth?", ""},
		{"Question: Ann lies. Does Bo tell the truth?", ""},
		{"Ann lies. Does Ann tell the truth?", ""},
	})
}

func TestSolveTracking(t *testing.T) {
	in := "Alice, Bob, and Claire are dancers at a square dance. At the start of a song, they each have a partner: " +
		"Alice is dancing with Ezra, Bob is dancing with Cosmo, and Claire is dancing with Florence.\n" +
		"Throughout the song, the dancers often trade partners. First, Alice and Bob switch partners. Then, Claire and Alice switch partners. " +
		"Finally, Bob and Claire switch partners. At the end of the dance, Claire is dancing with" + renderOptions([]string{"Ezra", "Cosmo", "Florence"})
	// After the swaps: Alice: Cosmo, then Alice: Florence / Claire: Cosmo, then Bob: Cosmo / Claire: Ezra.
	books := "Alice, Bob, and Claire are friends and avid readers who occasionally trade books. At the start of the semester, they each buy one new book: " +
		"Alice gets The Iliad, Bob gets Emma, and Claire gets Jane Eyre.\nAs the semester proceeds, they start trading around the new books. " +
		"First, Bob and Claire swap books. Then, Alice and Claire swap books. Finally, Alice and Bob swap books. At the end of the semester, Alice has" +
		renderOptions([]string{"The Iliad", "Emma", "Jane Eyre"})
	runSolver(t, "tracking", solveTracking, []solveCase{
		{in, "(A)"},
		{books, "(C)"},
		{strings.Replace(in, "Finally, Bob", "Finally, Zed", 1), ""},
		{strings.Replace(in, "Claire is dancing with\n", "Nobody is dancing with\n", 1), ""},
		{strings.Replace(in, "\nOptions:", "", 1), ""},
	})
}

func deductionInput(n int, scene, list, clues string, opts []string) string {
	return "The following paragraphs each describe a set of " + numberWord[n] + " objects arranged in a fixed order. " +
		"The statements are logically consistent within each paragraph. " + scene + ": " + list + ". " + clues + renderOptions(opts)
}

func TestSolveDeduction(t *testing.T) {
	birds := deductionInput(3, "On a branch, there are three birds", "a wren, a blue jay, and a heron",
		"The heron is to the right of the wren. The blue jay is the rightmost.",
		[]string{"The wren is the leftmost", "The blue jay is the leftmost", "The heron is the leftmost"})
	golf := deductionInput(5, "In a golf tournament, there were five golfers", "Tom, Liz, Kim, Sam, and Ben",
		"Kim finished third. Tom finished above Kim. Liz finished last. Ben finished second-to-last. Sam finished below Tom.",
		[]string{"Tom finished second", "Liz finished second", "Kim finished second", "Sam finished second", "Ben finished second"})
	cars := deductionInput(3, "In an antique car show, there are three vehicles", "a van, a station wagon, and a taxi",
		"The station wagon is newer than the taxi. The van is the second-newest.",
		[]string{"The van is the oldest", "The station wagon is the oldest", "The taxi is the oldest"})
	fruit := deductionInput(3, "A fruit stand sells three fruits", "figs, dates, and limes",
		"The limes are more expensive than the figs. The dates are the second-most expensive.",
		[]string{"The figs are the cheapest", "The dates are the cheapest", "The limes are the cheapest"})
	runSolver(t, "deduction", solveDeduction, []solveCase{
		{birds, "(A)"}, // wren, heron, blue jay
		{golf, "(D)"},  // Tom, Sam, Kim, Ben, Liz
		{cars, "(C)"},  // taxi, van, station wagon
		{fruit, "(A)"}, // figs, dates, limes
		// Two orders fit.
		{deductionInput(3, "On a branch, there are three birds", "a wren, a blue jay, and a heron", "The heron is to the right of the wren.",
			[]string{"The wren is the leftmost", "The blue jay is the leftmost", "The heron is the leftmost"}), ""},
		// No order fits.
		{deductionInput(3, "On a branch, there are three birds", "a wren, a blue jay, and a heron",
			"The heron is to the right of the wren. The wren is to the right of the heron.",
			[]string{"The wren is the leftmost", "The blue jay is the leftmost", "The heron is the leftmost"}), ""},
		// A clue about a thing not in the list.
		{strings.Replace(birds, "The blue jay is the rightmost", "The owl is the rightmost", 1), ""},
	})
}

func TestSolveTemporal(t *testing.T) {
	in := "Today, Agnes went to the zoo. Between what times could they have gone?\nWe know that:\nAgnes woke up at 6am.\n" +
		"Percy saw Agnes fishing off the pier from 7am to 11am.\nSilas saw Agnes reading at the cafe from 11am to 12pm.\n" +
		"Ursula saw Agnes queuing at the bank from 12pm to 3pm.\nThe zoo was closed after 5pm.\n" +
		"Between what times could Agnes have gone to the zoo?"
	opts := func(o ...string) string { return renderOptions(o) }
	runSolver(t, "temporal", solveTemporal, []solveCase{
		{in + opts("7am to 11am", "11am to 12pm", "12pm to 3pm", "3pm to 5pm"), "(D)"},
		// Out of order sightings, and the free stretch before the first.
		{strings.Replace(strings.Replace(in, "6am", "5am", 1), "from 7am to 11am", "from 6am to 11am", 1) + opts("5am to 6am", "6am to 11am", "3pm to 5pm", "11am to 12pm"), ""},
		{in + opts("7am to 11am", "11am to 12pm", "12pm to 3pm", "6am to 7am"), "(D)"},
		{in + opts("7am to 11am", "11am to 12pm", "12pm to 3pm", "1pm to 2pm"), ""},
		{strings.Replace(in, "woke up at 6am", "woke up at noon", 1) + opts("7am to 11am", "3pm to 5pm"), ""},
	})
}

func TestSolveColored(t *testing.T) {
	colors := renderOptions(colorNames)
	counts := renderOptions(numberWord[:7])
	many := renderOptions(numberWord[:17])
	yesNo := renderOptions([]string{"yes", "no"})
	row := "On the desk, you see a set of things arranged in a row: a red coaster, an orange stapler, a teal comb, and a grey badge. "
	runSolver(t, "colored", solveColored, []solveCase{
		{"On the floor, I see a silver wallet and a pink sock. What color is the sock?" + colors, "(R)"},
		{"On the floor, there is a silver wallet and a pink sock. Is the wallet silver?" + yesNo, "(A)"},
		{"On the floor, there is a silver wallet and a pink sock. Is the wallet gold?" + yesNo, "(B)"},
		{"On the table, you see a red pen, a blue cup, and a red mug. How many things are neither red nor green?" + counts, "(B)"},
		{row + "What is the color of the thing directly to the right of the stapler?" + colors, "(J)"},
		{row + "What is the color of the thing directly to the left of the teal thing?" + colors, "(B)"},
		{row + "What is the color of the right-most thing?" + colors, "(P)"},
		{row + "What is the color of the thing furthest from the stapler?" + colors, "(P)"},
		{row + "How many non-grey things do you see to the right of the red thing?" + counts, "(C)"},
		{"On the nightstand, there are two red keys, one blue key, and three red scarves. If I remove all the scarves from the nightstand, how many red things remain on it?" + many, "(C)"},
		{"On the nightstand, there are two red keys, one blue key, and three red scarves. If I remove all the red items from the nightstand, how many keys remain on it?" + many, "(B)"},
		// Official nouns are read too.
		{"On the desk, I see a magenta pair of sunglasses and a teal sheet of paper. What color is the sheet of paper?" + colors, "(J)"},
		// The middle of an odd row has no single furthest thing.
		{"On the desk, you see several items arranged in a row: a red comb, a blue fork, and a gold hat. What is the color of the item furthest from the fork?" + colors, ""},
		{row + "What is the color of the thing directly to the left of the red thing?" + colors, ""},
		{"On the desk, I see a plaid hat. What color is the hat?" + colors, ""},
		{"On the desk, I see a red hat. Why is the hat red?" + colors, ""},
	})
}

func TestSolveDate(t *testing.T) {
	o := func(want string) string {
		return renderOptions([]string{"01/01/1900", want, "12/31/2099"})
	}
	cases := []struct{ fact, ask, want string }{
		{"Today is Mar 31, 2021.", "a month ago", "02/28/2021"},
		{"Today is Mar 31, 2020.", "a month ago", "02/29/2020"},
		{"Today is Feb 29, 2024.", "one year ago from today", "02/28/2023"},
		{"Tomorrow is 1/1/2000.", "today", "12/31/1999"},
		{"Yesterday was Dec 31, 1999.", "tomorrow", "01/02/2000"},
		{"The day before yesterday was 2/27/2023.", "today", "03/01/2023"},
		{"It was Sept. 1st, 2021 a week ago.", "10 days ago", "08/29/2021"},
		{"2015 is coming in 36 hours.", "today", "12/30/2014"},
		{"2015 is coming in 24 hours.", "today", "12/31/2014"},
		{"In the US, Thanksgiving is on the fourth Thursday of November. Today is the US Thanksgiving of 2001.", "today", "11/22/2001"},
		{"In the UK, people usually put the day before the month when formatting the date. Therefore, today is 02/01/1987 to them.", "today", "01/02/1987"},
		{"Today is the palindrome day of 2020, because the MMDDYYYY format of the date is the same backwards as forwards.", "today", "02/02/2020"},
		{"Today is the last day of the first quarter of 2008.", "24 hours later", "04/01/2008"},
		{"Today is the second day of the third month of 1966.", "one week ago from today", "02/23/1966"},
		{"The first day of 2019 is a Tuesday, and today is the first Monday of 2019.", "today", "01/07/2019"},
		{"Jane was born on the last day of Feburary in 2000. Today is her 16-year-old birthday.", "today", "02/29/2016"},
		{"Jane and John married on Jan 2, 1958. Today is their golden wedding anniversary.", "today", "01/02/2008"},
		{"Jane got her job in 2016. Today is her 3-year work anniversary. She still remember that on Dec 2, her second day at work, she spilled coffee on her laptop.", "today", "12/01/2019"},
		{"Jane visits the bookstore on the 16th of each month starting from the October of 2009. It is her 5th visit to the bookstore today.", "today", "02/16/2010"},
		{"On May 9th, 2017 Jane bought 40 eggs. She ate one per day. Today she ran out of eggs.", "today", "06/18/2017"},
		{"Jane thinks today is 6/18/2019, but John thinks today is 6/19/2019. Jane is correct.", "today", "06/18/2019"},
		{"Jane thinks today is 6/18/2019, but John thinks today is 6/19/2019. John is correct.", "today", "06/19/2019"},
		{"Today is 9/7. Jane is watching NFL 2003.", "today", "09/07/2003"},
		{"Today is 1/5. Jane is watching NFL 2003.", "today", "01/05/2004"},
		{"Today is Dec 15, 1999.", "3 weeks later", "01/05/2000"},
		{"Today is Jan 31, 2001.", "2 months ago", "11/30/2000"},
	}
	var sc []solveCase
	for _, c := range cases {
		sc = append(sc, solveCase{c.fact + " What is the date " + c.ask + " in MM/DD/YYYY?" + o(c.want), "(B)"})
	}
	sc = append(sc,
		solveCase{"Today is the best day. What is the date today in MM/DD/YYYY?" + o("01/01/2000"), ""},
		solveCase{"Today is Feb 30, 2001. What is the date today in MM/DD/YYYY?" + o("01/01/2000"), ""},
		solveCase{"Today is Feb 3, 2001. What is the date today in MM/DD/YYYY?" + o("02/04/2001"), ""},
		solveCase{"Today is Feb 3, 2001. When is it?" + o("02/03/2001"), ""},
	)
	runSolver(t, "date", solveDate, sc)
}

func TestSolveShape(t *testing.T) {
	q := func(d string, extra ...string) string {
		return shapeLeadIn + d + shapeTail + renderOptions(append(append([]string(nil), shapeOptions...), extra...))
	}
	rect := "M 10.00,10.00 L 40.00,10.00 L 40.00,20.00 L 10.00,20.00 L 10.00,10.00"
	circle := "M 60.00,40.00 A 20.00,20.00 0.00 1,0 20.00,40.00 A 20.00,20.00 0.00 1,0 60.00,40.00"
	runSolver(t, "shapes", solveShape, []solveCase{
		{q("M 12.64,60.32 L 16.36,27.35"), "(E)"},
		{q("M 52.00,72.00 L 3.00,95.00 L 53.00,30.00 L 52.00,72.00"), "(J)"},
		// A hexagon drawn in pieces, in any order and direction.
		{q("M 0.00,10.00 L 10.00,0.00 M 30.00,10.00 L 20.00,0.00 M 10.00,0.00 L 20.00,0.00 M 30.00,10.00 L 20.00,20.00 M 10.00,20.00 L 20.00,20.00 M 0.00,10.00 L 10.00,20.00"), "(C)"},
		// A point in line with its neighbours is not a corner: a triangle.
		{q("M 0.00,0.00 L 10.00,0.00 L 20.00,0.00 L 10.00,15.00 L 0.00,0.00"), "(J)"},
		{q("M 0.00,5.00 L 4.00,0.00 L 0.00,-12.00 L -4.00,0.00 L 0.00,5.00"), "(D)"},
		{q(rect), "(H)"},
		{q(rect, "trapezoid"), "(K)"}, // the more general name when both are offered
		{q("M 0.00,0.00 L 40.00,0.00 L 30.00,10.00 L 5.00,10.00 L 0.00,0.00", "trapezoid"), "(K)"},
		{q(circle), "(A)"},
		{q(circle, "ellipse"), "(K)"},
		{q("M 60.00,40.00 A 20.00,10.00 0.00 1,0 20.00,40.00 A 20.00,10.00 0.00 1,0 60.00,40.00", "ellipse"), "(K)"},
		{q("M 38.00,35.00 L 45.66,9.11 A 27.00,27.00 0.00 0,1 63.92,27.46 L 38.00,35.00"), "(I)"},
		// Not a shape among the options, or no shape at all.
		{q("M 0.00,0.00 L 40.00,0.00 L 30.00,10.00 L 5.00,10.00 L 0.00,0.00"), ""},
		{q("M 0.00,0.00 L 10.00,0.00 L 10.00,10.00"), ""},
		{q("M 0.00,0.00 L 1.00,1.00 L 2.00,0.00 L 3.00,1.00 L 4.00,0.00 L 5.00,1.00 L 6.00,0.00 L 7.00,1.00 L 8.00,0.00 L 9.00,1.00 L 0.00,0.00"), ""},
		{q("M 60.00,40.00 A 20.00,20.00 0.00 1,0 20.00,40.00"), ""},
		{q("Z 1,2"), ""},
	})
}

// TestDifficultyGrows: each step of the knob asks for more work. The
// measure is the length of the question, except for dates, where it is
// how far from today the asked date lies.
func TestDifficultyGrows(t *testing.T) {
	offset := regexp.MustCompile(`What is the date (\d+) (day|week|month)s? (?:ago|later)`)
	measure := func(task *genTask, in string) float64 {
		if task.name != "date_understanding" {
			if q, _, err := splitOptions(in); err == nil {
				return float64(len(q))
			}
			return float64(len(in))
		}
		m := offset.FindStringSubmatch(in)
		if m == nil {
			return 1
		}
		k, _ := strconv.Atoi(m[1])
		return float64(k) * map[string]float64{"day": 1, "week": 7, "month": 30}[m[2]]
	}
	for _, task := range generated {
		mean := func(d int) float64 {
			r := rand.New(rand.NewPCG(9, uint64(d)))
			var sum float64
			for range 200 {
				sum += measure(task, task.draw(r, d))
			}
			return sum / 200
		}
		m0, m2, m6 := mean(0), mean(2), mean(6)
		if !(m0 < m2 && m2 < m6) {
			t.Errorf("%s: effort %.0f, %.0f, %.0f at difficulty 0, 2, 6; want it to grow", task.name, m0, m2, m6)
		}
	}
}
