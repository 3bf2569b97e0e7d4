package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The official date_understanding inputs state a fact from which today's
// date follows (about 40 kinds: "Tomorrow is 11/12/2019.", "Jane quited her
// job on Mar 20, 2020. 176 days have passed since then.", "Today is the US
// Thanksgiving of 2001.", ...), ask for a date relative to today (today,
// tomorrow, yesterday, 10 days ago, 24 hours later, a week either way, a
// month or a year ago) in MM/DD/YYYY, and offer 5 or 6 dates. The solver
// reads each kind of fact; the generator writes facts of the same kinds
// about fresh dates.
var dateUnderstanding = &genTask{
	name:      "date_understanding",
	desc:      "Work out a date from what is said about today.",
	kind:      choiceAnswer,
	draw:      drawDate,
	harder:    "questions about 2 to 40 x difficulty days, weeks or months away (official: at most a year, in one of nine fixed steps)",
	solve:     solveDate,
	agreement: 0.98,
}

type date = time.Time

func ymd(y int, m time.Month, d int) date { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// addMonths moves by whole months, keeping the day where the month has it
// and otherwise taking the month's last day (Mar 31 less a month is Feb 28
// or 29).
func addMonths(t date, n int) date {
	first := ymd(t.Year(), t.Month(), 1).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return ymd(first.Year(), first.Month(), min(t.Day(), last))
}

func addYears(t date, n int) date { return addMonths(t, 12*n) }

func mmddyyyy(t date) string { return t.Format("01/02/2006") }

// longDate writes "Mar 20, 2020".
func longDate(t date) string { return t.Format("Jan 2, 2006") }

var monthNames = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		full := m.String()
		monthNames[strings.ToLower(full)] = m
		monthNames[strings.ToLower(full[:3])] = m
		monthNames[strings.ToLower(full[:3])+"."] = m
	}
	monthNames["sept"] = time.September
	monthNames["sept."] = time.September
	monthNames["feburary"] = time.February // as an official item spells it
}

const monthRe = `[A-Z][a-z]+\.?`

var (
	numericDate = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	wordDate    = regexp.MustCompile(`^(` + monthRe + `) (\d{1,2})(?:st|nd|rd|th)?, (\d{4})$`)
)

// parseDate reads "6/18/2019", "06/01/1943", "Jan 2, 1958", "April 30,
// 2021" or "Sept. 1st, 2021".
func parseDate(s string) (date, error) {
	if m := numericDate.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		return checkedDate(y, mo, d, s)
	}
	if m := wordDate.FindStringSubmatch(s); m != nil {
		mo, ok := monthNames[strings.ToLower(m[1])]
		if !ok {
			return date{}, fmt.Errorf("unknown month in %q", s)
		}
		d, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		return checkedDate(y, int(mo), d, s)
	}
	return date{}, fmt.Errorf("cannot read the date %q", s)
}

func checkedDate(y, m, d int, s string) (date, error) {
	t := ymd(y, time.Month(m), d)
	if m < 1 || m > 12 || t.Day() != d {
		return date{}, fmt.Errorf("%q is not a date", s)
	}
	return t, nil
}

var weekdays = map[string]time.Weekday{}

func init() {
	for d := time.Sunday; d <= time.Saturday; d++ {
		weekdays[d.String()] = d
	}
}

// dateFact is one kind of statement about today: a pattern and how to
// get today's date from its groups (and the person's name, for the one
// kind that needs it).
type dateFact struct {
	re    *regexp.Regexp
	today func(g []string) (date, string, error) // date and a line of reasoning
}

const (
	anyDate  = `(\d{1,2}/\d{1,2}/\d{4}|` + monthRe + ` \d{1,2}(?:st|nd|rd|th)?, \d{4})`
	name     = `([A-Z][a-z]+)`
	quarterW = `(first|second|third|fourth)`
)

func fact(pattern string, today func(g []string) (date, string, error)) dateFact {
	return dateFact{regexp.MustCompile("^(?:" + pattern + ")$"), today}
}

// shifted reads a date and moves it by days, with the reasoning.
func shifted(s string, days int, how string) (date, string, error) {
	t, err := parseDate(s)
	if err != nil {
		return t, "", err
	}
	today := t.AddDate(0, 0, days)
	return today, fmt.Sprintf("%s, so today is %s.", fmt.Sprintf(how, longDate(t)), longDate(today)), nil
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

var quarterEnd = map[string]time.Month{"first": time.March, "second": time.June, "third": time.September, "fourth": time.December}

var dateFacts = []dateFact{
	fact(`Today is `+anyDate+`\.(?: .*)?`, func(g []string) (date, string, error) { return shifted(g[1], 0, "Today is %s") }),
	fact(`It is `+anyDate+` today\.`, func(g []string) (date, string, error) { return shifted(g[1], 0, "It is %s today") }),
	fact(`Today, `+anyDate+`, is a day .*\.`, func(g []string) (date, string, error) { return shifted(g[1], 0, "Today is %s") }),
	fact(`The current local time is .* of `+anyDate+`\.`, func(g []string) (date, string, error) { return shifted(g[1], 0, "It is %s now") }),
	fact(`Tomorrow is `+anyDate+`\.`, func(g []string) (date, string, error) { return shifted(g[1], -1, "Tomorrow is %s") }),
	fact(`Yesterday was `+anyDate+`\.(?: .*)?`, func(g []string) (date, string, error) { return shifted(g[1], 1, "Yesterday was %s") }),
	fact(`Yesterday, `+anyDate+`, .*\.`, func(g []string) (date, string, error) { return shifted(g[1], 1, "Yesterday was %s") }),
	fact(`The day before yesterday was `+anyDate+`\.`, func(g []string) (date, string, error) {
		return shifted(g[1], 2, "The day before yesterday was %s")
	}),
	fact(`It was `+anyDate+` a week ago\.`, func(g []string) (date, string, error) { return shifted(g[1], 7, "A week ago was %s") }),
	fact(name+` booked a flight for tomorrow, `+anyDate+`\.`, func(g []string) (date, string, error) {
		return shifted(g[2], -1, "Tomorrow is %s")
	}),
	fact(`Today's meeting is rescheduled to .* tomorrow, `+anyDate+`\.`, func(g []string) (date, string, error) {
		return shifted(g[1], -1, "Tomorrow is %s")
	}),
	fact(name+` scheduled \d+ \w+ with \d+ \w+ for tomorrow \(\w+, `+anyDate+`\)\.`, func(g []string) (date, string, error) {
		return shifted(g[2], -1, "Tomorrow is %s")
	}),
	fact(`The concert was scheduled to be on `+anyDate+`, but was delayed by one day to today\.`, func(g []string) (date, string, error) {
		return shifted(g[1], 1, "The concert was due on %s and moved a day later to today")
	}),
	fact(name+` quit(?:ed)? (?:her|his|their) job on `+anyDate+`\. (\d+) days have passed since then\.`, func(g []string) (date, string, error) {
		return shifted(g[2], atoi(g[3]), "%s plus "+g[3]+" days")
	}),
	fact(`The deadline is `+anyDate+`, which is (\d+) days? away from now\.`, func(g []string) (date, string, error) {
		return shifted(g[1], -atoi(g[2]), "%s less "+g[2]+" days")
	}),
	fact(`On `+anyDate+`,? `+name+` bought (\d+) eggs\. (?:She|He|They) ate one per day\. Today (?:she|he|they) ran out of eggs\.`, func(g []string) (date, string, error) {
		return shifted(g[1], atoi(g[3]), "%s plus "+g[3]+" days of eating one egg a day")
	}),
	fact(anyDate+` is like yesterday to `+name+`, but that is actually (ten|\d+) years ago\.`, func(g []string) (date, string, error) {
		t, err := parseDate(g[1])
		n := atoi(g[3])
		if g[3] == "ten" {
			n = 10
		}
		today := addYears(t, n)
		return today, fmt.Sprintf("%s was %d years ago, so today is %s.", longDate(t), n, longDate(today)), err
	}),
	fact(name+` and `+name+` married on `+anyDate+`\. (?:It is their (\d+)-year anniversary today|Today is their (golden|silver) wedding anniversary)\.`, func(g []string) (date, string, error) {
		t, err := parseDate(g[3])
		n := atoi(g[4])
		switch g[5] {
		case "golden":
			n = 50
		case "silver":
			n = 25
		}
		today := addYears(t, n)
		return today, fmt.Sprintf("%d years after %s is %s.", n, longDate(t), longDate(today)), err
	}),
	fact(name+` thinks today is `+anyDate+`, but `+name+` thinks today is `+anyDate+`\. `+name+` is correct\.`, func(g []string) (date, string, error) {
		pick := g[2]
		if g[5] == g[3] {
			pick = g[4]
		} else if g[5] != g[1] {
			return date{}, "", fmt.Errorf("%s is neither %s nor %s", g[5], g[1], g[3])
		}
		return shifted(pick, 0, g[5]+" is right: today is %s")
	}),
	fact(name+` thought today is `+anyDate+`, but today is in fact (`+monthRe+`) (\d{1,2}), which is (\d+) days? later\.`, func(g []string) (date, string, error) {
		return shifted(g[2], atoi(g[5]), "%s plus "+g[5]+" day(s)")
	}),
	fact(name+` is celebrating the last day of (`+monthRe+`) (\d{4})\.`, func(g []string) (date, string, error) {
		m, ok := monthNames[strings.ToLower(g[2])]
		if !ok {
			return date{}, "", fmt.Errorf("unknown month %q", g[2])
		}
		today := ymd(atoi(g[3]), m+1, 0)
		return today, fmt.Sprintf("The last day of %s %s is %s.", m, g[3], longDate(today)), nil
	}),
	fact(name+` was born on the last day of (`+monthRe+`) in (\d{4})\. Today is (?:her|his|their) (\d+)-year-old birthday\.`, func(g []string) (date, string, error) {
		m, ok := monthNames[strings.ToLower(g[2])]
		if !ok {
			return date{}, "", fmt.Errorf("unknown month %q", g[2])
		}
		born := ymd(atoi(g[3]), m+1, 0)
		today := addYears(born, atoi(g[4]))
		return today, fmt.Sprintf("Born on %s, %s years later is %s.", longDate(born), g[4], longDate(today)), nil
	}),
	fact(name+` got (?:her|his|their) job in (\d{4})\. Today is (?:her|his|their) (\d+)-year work anniversary\. (?:She|He|They) still remembers? that on (`+monthRe+`) (\d{1,2}), (?:her|his|their) second day at work, .*\.`, func(g []string) (date, string, error) {
		m, ok := monthNames[strings.ToLower(g[4])]
		if !ok {
			return date{}, "", fmt.Errorf("unknown month %q", g[4])
		}
		start := ymd(atoi(g[2]), m, atoi(g[5])).AddDate(0, 0, -1)
		today := addYears(start, atoi(g[3]))
		return today, fmt.Sprintf("The first day at work was %s; %s years later is %s.", longDate(start), g[3], longDate(today)), nil
	}),
	fact(name+` visits the bookstore on the (\d+)(?:st|nd|rd|th) of each month starting from the (`+monthRe+`) of (\d{4})\. It is (?:her|his|their) (\d+)(?:st|nd|rd|th) visit to the bookstore today\.`, func(g []string) (date, string, error) {
		m, ok := monthNames[strings.ToLower(g[3])]
		if !ok {
			return date{}, "", fmt.Errorf("unknown month %q", g[3])
		}
		first := ymd(atoi(g[4]), m, atoi(g[2]))
		today := addMonths(first, atoi(g[5])-1)
		return today, fmt.Sprintf("The first visit was %s, and visit %s is %s months later: %s.", longDate(first), g[5], strconv.Itoa(atoi(g[5])-1), longDate(today)), nil
	}),
	fact(`(\d{4}) is coming in (\d+) hours\.`, func(g []string) (date, string, error) {
		ny := ymd(atoi(g[1]), time.January, 1)
		today := ny.Add(-time.Duration(atoi(g[2])) * time.Hour)
		today = ymd(today.Year(), today.Month(), today.Day())
		return today, fmt.Sprintf("%s hours before Jan 1, %s is on %s.", g[2], g[1], longDate(today)), nil
	}),
	fact(`The first day of (\d{4}) is a (\w+day), and today is the first (\w+day) of (\d{4})\.`, func(g []string) (date, string, error) {
		first := ymd(atoi(g[1]), time.January, 1)
		want, ok := weekdays[g[3]]
		if !ok || g[1] != g[4] {
			return date{}, "", fmt.Errorf("cannot read the weekdays of %q", g[0])
		}
		today := first.AddDate(0, 0, (int(want)-int(first.Weekday())+7)%7)
		return today, fmt.Sprintf("The first %s of %s is %s.", g[3], g[1], longDate(today)), nil
	}),
	fact(`In the US, Thanksgiving is on the fourth Thursday of November\. Today is the US Thanksgiving of (\d{4})\.`, func(g []string) (date, string, error) {
		nov := ymd(atoi(g[1]), time.November, 1)
		today := nov.AddDate(0, 0, (int(time.Thursday)-int(nov.Weekday())+7)%7+21)
		return today, fmt.Sprintf("The fourth Thursday of November %s is %s.", g[1], longDate(today)), nil
	}),
	fact(`In the UK, people usually put the day before the month when formatting the date\. Therefore, today is (\d{1,2})/(\d{1,2})/(\d{4}) to them\.`, func(g []string) (date, string, error) {
		today, err := checkedDate(atoi(g[3]), atoi(g[2]), atoi(g[1]), g[0])
		return today, fmt.Sprintf("Read day first, today is %s.", longDate(today)), err
	}),
	fact(`Today is Christmas Eve of (\d{4})\.`, func(g []string) (date, string, error) {
		today := ymd(atoi(g[1]), time.December, 24)
		return today, fmt.Sprintf("Christmas Eve is %s.", longDate(today)), nil
	}),
	fact(`Today is the (first|last) day of (\d{4})\.|This is the (first|last) day of (\d{4})\.`, func(g []string) (date, string, error) {
		which, y := g[1]+g[3], atoi(g[2]+g[4])
		today := ymd(y, time.January, 1)
		if which == "last" {
			today = ymd(y, time.December, 31)
		}
		return today, fmt.Sprintf("The %s day of %d is %s.", which, y, longDate(today)), nil
	}),
	fact(`Today is the last day of the `+quarterW+` quarter of (\d{4})\.`, func(g []string) (date, string, error) {
		today := ymd(atoi(g[2]), quarterEnd[g[1]]+1, 0)
		return today, fmt.Sprintf("The %s quarter of %s ends on %s.", g[1], g[2], longDate(today)), nil
	}),
	fact(`Today is the (\w+) day of the (\w+) month of (\d{4})\.`, func(g []string) (date, string, error) {
		d, m := ordinalValue(g[1]), ordinalValue(g[2])
		today, err := checkedDate(atoi(g[3]), m, d, g[0])
		return today, fmt.Sprintf("Day %d of month %d is %s.", d, m, longDate(today)), err
	}),
	fact(`Today is the palindrome day of (\d{4}), because the MMDDYYYY format of the date is the same backwards as forwards\.`, func(g []string) (date, string, error) {
		y := g[1]
		mmdd := string([]byte{y[3], y[2], y[1], y[0]})
		today, err := checkedDate(atoi(y), atoi(mmdd[:2]), atoi(mmdd[2:]), g[0])
		return today, fmt.Sprintf("%s%s reads the same backwards, so today is %s.", mmdd, y, longDate(today)), err
	}),
	fact(`Today is (\d{1,2})/(\d{1,2}), and it is `+name+`'s second time in the year (\d{4}) to see a meteor shower\.`, func(g []string) (date, string, error) {
		today, err := checkedDate(atoi(g[4]), atoi(g[1]), atoi(g[2]), g[0])
		return today, fmt.Sprintf("Today is %s.", longDate(today)), err
	}),
	fact(`Today is (\d{1,2})/(\d{1,2})\. `+name+` is watching NFL (\d{4})\.`, func(g []string) (date, string, error) {
		// The NFL season named for a year runs from September into the
		// next year's January and February.
		y := atoi(g[4])
		if atoi(g[1]) < 8 {
			y++
		}
		today, err := checkedDate(y, atoi(g[1]), atoi(g[2]), g[0])
		return today, fmt.Sprintf("The NFL %s season on %s/%s is %s.", g[4], g[1], g[2], longDate(today)), err
	}),
}

// dateQuestion is the part after the fact.
var dateQuestion = regexp.MustCompile(`^(.*) What is the date (today|tomorrow|yesterday|(?:one|a|\d+) (?:day|week|month|year|hour)s? (?:ago from today|ago|later|from today)) in MM/DD/YYYY\?$`)

var amountWords = map[string]int{"one": 1, "a": 1}

// moveDate applies "10 days ago", "one week from today", "a month ago",
// "24 hours later", ... to today.
func moveDate(today date, phrase string) (date, error) {
	switch phrase {
	case "today":
		return today, nil
	case "tomorrow":
		return today.AddDate(0, 0, 1), nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	}
	f := strings.Fields(phrase)
	n, ok := amountWords[f[0]]
	if !ok {
		n = atoi(f[0])
	}
	if !strings.HasPrefix(f[2], "later") && !strings.HasPrefix(strings.Join(f[2:], " "), "from today") {
		n = -n
	}
	switch strings.TrimSuffix(f[1], "s") {
	case "day":
		return today.AddDate(0, 0, n), nil
	case "week":
		return today.AddDate(0, 0, 7*n), nil
	case "month":
		return addMonths(today, n), nil
	case "year":
		return addYears(today, n), nil
	case "hour":
		if n%24 != 0 {
			return date{}, fmt.Errorf("%q is not a whole number of days", phrase)
		}
		return today.AddDate(0, 0, n/24), nil
	}
	return date{}, fmt.Errorf("cannot read %q", phrase)
}

// solveDate reads today's date from the fact, moves it as asked and
// finds the option that names the result.
func solveDate(input string) (solution, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return solution{}, err
	}
	m := dateQuestion.FindStringSubmatch(q)
	if m == nil {
		return solution{}, fmt.Errorf("cannot read the question in %.80q", q)
	}
	for _, f := range dateFacts {
		g := f.re.FindStringSubmatch(m[1])
		if g == nil {
			continue
		}
		today, why, err := f.today(g)
		if err != nil {
			return solution{}, err
		}
		want, err := moveDate(today, m[2])
		if err != nil {
			return solution{}, err
		}
		steps := []string{why, fmt.Sprintf("The date %s is %s, that is %s.", m[2], longDate(want), mmddyyyy(want))}
		l, err := pickOption(opts, mmddyyyy(want))
		if err != nil {
			return solution{}, fmt.Errorf("%s %s: %w", why, steps[1], err)
		}
		return solution{target: l, steps: steps}, nil
	}
	return solution{}, fmt.Errorf("cannot read what is said about today: %q", m[1])
}

// Generation: facts of the official kinds about fresh dates.

var dateAsks = []string{"today", "tomorrow", "yesterday", "10 days ago", "24 hours later", "one week ago from today", "one week from today", "a month ago", "one year ago from today"}

func drawDate(r *rand.Rand, difficulty int) string {
	today := ymd(1900+r.IntN(140), time.January, 1).AddDate(0, 0, r.IntN(366))
	who := liarNames[r.IntN(len(liarNames))]
	other := liarNames[r.IntN(len(liarNames))]
	for other == who {
		other = liarNames[r.IntN(len(liarNames))]
	}
	num := func(t date) string { return fmt.Sprintf("%d/%d/%d", t.Month(), t.Day(), t.Year()) }
	var fact string
	switch r.IntN(14) {
	case 0:
		fact = "Today is " + longDate(today) + "."
	case 1:
		fact = "Tomorrow is " + mmddyyyy(today.AddDate(0, 0, 1)) + "."
	case 2:
		fact = "Yesterday was " + longDate(today.AddDate(0, 0, -1)) + "."
	case 3:
		fact = "The day before yesterday was " + num(today.AddDate(0, 0, -2)) + "."
	case 4:
		fact = "It is " + num(today) + " today."
	case 5:
		fact = who + " booked a flight for tomorrow, " + longDate(today.AddDate(0, 0, 1)) + "."
	case 6:
		k := 2 + r.IntN(300)
		fact = fmt.Sprintf("%s quit her job on %s. %d days have passed since then.", who, longDate(today.AddDate(0, 0, -k)), k)
	case 7:
		k := 2 + r.IntN(30)
		fact = fmt.Sprintf("The deadline is %s, which is %d days away from now.", longDate(today.AddDate(0, 0, k)), k)
	case 8:
		k := 1 + r.IntN(60)
		wed := addYears(today, -k)
		if wed.Day() != today.Day() {
			return drawDate(r, difficulty) // a Feb 29 wedding: draw again
		}
		fact = fmt.Sprintf("%s and %s married on %s. It is their %d-year anniversary today.", who, other, longDate(wed), k)
	case 9:
		today = ymd(today.Year(), time.December, 24)
		fact = fmt.Sprintf("Today is Christmas Eve of %d.", today.Year())
	case 10:
		qs := []string{"first", "second", "third", "fourth"}
		i := r.IntN(4)
		today = ymd(today.Year(), quarterEnd[qs[i]]+1, 0)
		fact = fmt.Sprintf("Today is the last day of the %s quarter of %d.", qs[i], today.Year())
	case 11:
		fact = fmt.Sprintf("%s thinks today is %s, but %s thinks today is %s. %s is correct.", who, num(today), other, num(today.AddDate(0, 0, 1+r.IntN(3))), who)
		if r.IntN(2) == 0 {
			fact = fmt.Sprintf("%s thinks today is %s, but %s thinks today is %s. %s is correct.", who, num(today.AddDate(0, 0, -1-r.IntN(3))), other, num(today), other)
		}
	case 12:
		fact = fmt.Sprintf("The concert was scheduled to be on %s, but was delayed by one day to today.", mmddyyyy(today.AddDate(0, 0, -1)))
	default:
		d := time.Weekday(r.IntN(7))
		first := ymd(today.Year(), time.January, 1)
		today = first.AddDate(0, 0, (int(d)-int(first.Weekday())+7)%7)
		fact = fmt.Sprintf("The first day of %d is a %s, and today is the first %s of %d.", today.Year(), first.Weekday(), d, today.Year())
	}
	ask := dateAsks[r.IntN(len(dateAsks))]
	if difficulty > 0 && r.IntN(4) > 0 {
		unit := []string{"day", "week", "month"}[r.IntN(3)]
		span := 40 * difficulty
		switch unit {
		case "week":
			span = max(2, span/7)
		case "month":
			span = max(2, span/30)
		}
		k := 2 + r.IntN(span)
		dir := []string{"ago", "later"}[r.IntN(2)]
		ask = fmt.Sprintf("%d %ss %s", k, unit, dir)
	}
	want, err := moveDate(today, ask)
	if err != nil {
		panic("bbh: date generator asked " + ask) // the asks above are all readable
	}
	// Five or six options: the answer and near misses.
	var wrong []date
	for _, t := range []date{want.AddDate(0, 0, 1), want.AddDate(0, 0, -1), addYears(want, 1), addYears(want, -1),
		addMonths(want, 1), addMonths(want, -1), want.AddDate(0, 0, 7), want.AddDate(0, 0, -7), addYears(want, 10), today} {
		if !t.Equal(want) && !slices.ContainsFunc(wrong, t.Equal) {
			wrong = append(wrong, t)
		}
	}
	if swapped := ymd(want.Year(), time.Month(want.Day()), int(want.Month())); want.Day() <= 12 && !swapped.Equal(want) && !slices.ContainsFunc(wrong, swapped.Equal) {
		wrong = append(wrong, swapped)
	}
	picked := append(pick(r, wrong, 4+r.IntN(2)), want)
	r.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
	opts := make([]string, len(picked))
	for i, t := range picked {
		opts[i] = mmddyyyy(t)
	}
	return fact + " What is the date " + ask + " in MM/DD/YYYY?" + renderOptions(opts)
}
