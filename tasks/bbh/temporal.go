package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The official temporal_sequences inputs: someone wakes up, is seen doing
// 3 to 5 things over consecutive stretches of the day, and a place closes
// at some hour; exactly one stretch between waking and closing is
// unaccounted for, and that is when they went. The 4 options are that
// stretch and three of the sightings.
var temporalSequences = &genTask{
	name:      "temporal_sequences",
	desc:      "Work out when someone could have gone somewhere from when they were seen elsewhere.",
	kind:      choiceAnswer,
	draw:      drawTemporal,
	harder:    "3 + difficulty to 5 + difficulty sightings, listed out of time order from difficulty 1 (official: 3 to 5, in order)",
	solve:     solveTemporal,
	agreement: 0.98,
}

var (
	temporalPeople = strings.Fields(`Agnes Barnaby Cecily Dashiell Edwina Fergus Georgina Horace Ottilie Percy
Philippa Rosamund Silas Theodora Ursula Vernon Winifred Alistair Clementine Lionel`)
	temporalPlaces = []string{"aquarium", "botanical garden", "bowling alley", "farmers market", "hardware store",
		"ice rink", "museum", "planetarium", "post office", "pottery studio", "skate park", "library annex", "zoo", "flower shop"}
	temporalDoings = []string{"walking a dog in the park", "waiting at the bus stop", "buying groceries at the supermarket",
		"repairing a bicycle at the garage", "painting a fence in the yard", "jogging along the river", "reading at the cafe",
		"swimming at the lake", "queuing at the bank", "picking apples at the orchard", "playing chess at the club",
		"singing in the choir at the church", "fishing off the pier", "sketching at the harbour", "buying stamps at the kiosk",
		"watching a play at the theater", "attending a lecture at the college", "visiting a friend at the hospital"}
)

// clockName writes an hour of the day, 0 to 24, as the official inputs do
// ("7am", "12pm", "9pm").
func clockName(h int) string {
	switch {
	case h == 0 || h == 24:
		return "12am"
	case h < 12:
		return strconv.Itoa(h) + "am"
	case h == 12:
		return "12pm"
	}
	return strconv.Itoa(h-12) + "pm"
}

var clockPattern = regexp.MustCompile(`^(\d{1,2})(am|pm)$`)

func clockValue(s string) (int, error) {
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("cannot read the time %q", s)
	}
	h, _ := strconv.Atoi(m[1])
	if h < 1 || h > 12 {
		return 0, fmt.Errorf("cannot read the time %q", s)
	}
	h %= 12
	if m[2] == "pm" {
		h += 12
	}
	return h, nil
}

func drawTemporal(r *rand.Rand, difficulty int) string {
	k := 3 + difficulty + r.IntN(3) // sightings
	// The day runs from 5am at the earliest to closing at 11pm at the latest.
	span := min(18, k+1+r.IntN(k+2))
	wake := 5 + r.IntN(min(7, 18-span+1))
	// k+1 consecutive stretches of at least an hour fill wake to closing.
	cuts := pick(r, seq(1, span-1), k)
	slices.Sort(cuts)
	bounds := append(append([]int{0}, cuts...), span)
	free := r.IntN(k + 1)
	person := temporalPeople[r.IntN(len(temporalPeople))]
	place := temporalPlaces[r.IntN(len(temporalPlaces))]
	witnesses := pick(r, temporalPeople, k+1)
	doings := pick(r, temporalDoings, k)
	var seen []string
	var stretches []string
	w := 0
	for i := 0; i <= k; i++ {
		from, to := clockName(wake+bounds[i]), clockName(wake+bounds[i+1])
		stretches = append(stretches, from+" to "+to)
		if i == free {
			continue
		}
		who := witnesses[w]
		if who == person {
			who = witnesses[k]
		}
		seen = append(seen, fmt.Sprintf("%s saw %s %s from %s to %s.", who, person, doings[w], from, to))
		w++
	}
	if difficulty > 0 {
		r.Shuffle(len(seen), func(i, j int) { seen[i], seen[j] = seen[j], seen[i] })
	}
	// Options: the free stretch and three others.
	others := slices.Delete(slices.Clone(stretches), free, free+1)
	opts := append(pick(r, others, 3), stretches[free])
	r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	var b strings.Builder
	fmt.Fprintf(&b, "Today, %s went to the %s. Between what times could they have gone?\nWe know that:\n", person, place)
	fmt.Fprintf(&b, "%s woke up at %s.\n", person, clockName(wake))
	for _, s := range seen {
		b.WriteString(s + "\n")
	}
	fmt.Fprintf(&b, "The %s was closed after %s.\n", place, clockName(wake+span))
	fmt.Fprintf(&b, "Between what times could %s have gone to the %s?", person, place)
	return b.String() + renderOptions(opts)
}

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

var (
	temporalWake   = regexp.MustCompile(`^(.+) woke up at (\S+)\.$`)
	temporalSaw    = regexp.MustCompile(`^(\S+) saw (\S+) (.+) from (\S+) to (\S+)\.$`)
	temporalClosed = regexp.MustCompile(`^The (.+) was closed after (\S+)\.$`)
	temporalOption = regexp.MustCompile(`^(\S+) to (\S+)$`)
)

// solveTemporal marks the hours between waking and closing that a
// sighting accounts for; the option that lies wholly in the rest is the
// answer.
func solveTemporal(input string) (solution, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return solution{}, err
	}
	wake, closed := -1, -1
	busy := make([]bool, 24)
	var steps []string
	type seen struct {
		from, to int
		text     string
	}
	var sightings []seen
	for _, line := range strings.Split(q, "\n") {
		if m := temporalWake.FindStringSubmatch(line); m != nil {
			if wake, err = clockValue(m[2]); err != nil {
				return solution{}, err
			}
			continue
		}
		if m := temporalSaw.FindStringSubmatch(line); m != nil {
			from, err1 := clockValue(m[4])
			to, err2 := clockValue(m[5])
			if err1 != nil || err2 != nil || to <= from {
				return solution{}, fmt.Errorf("cannot read the stretch in %q", line)
			}
			sightings = append(sightings, seen{from, to, fmt.Sprintf("%s to %s: %s", m[4], m[5], m[3])})
			for h := from; h < to; h++ {
				busy[h] = true
			}
			continue
		}
		if m := temporalClosed.FindStringSubmatch(line); m != nil {
			if closed, err = clockValue(m[2]); err != nil {
				return solution{}, err
			}
			if closed == 0 {
				closed = 24 // closed after midnight
			}
		}
	}
	if wake < 0 || closed < 0 || closed <= wake {
		return solution{}, fmt.Errorf("cannot find when the day starts and the place closes")
	}
	slices.SortFunc(sightings, func(a, b seen) int { return a.from - b.from })
	steps = append(steps, fmt.Sprintf("Wake-up time: %s.", clockName(wake)))
	for _, s := range sightings {
		steps = append(steps, s.text+".")
	}
	steps = append(steps, fmt.Sprintf("The place is closed after %s.", clockName(closed)))
	var free []string
	for h := wake; h < closed; {
		if busy[h] {
			h++
			continue
		}
		e := h
		for e < closed && !busy[e] {
			e++
		}
		free = append(free, clockName(h)+" to "+clockName(e))
		h = e
	}
	steps = append(steps, "Unaccounted for between waking and closing: "+joinList(free)+".")
	answer := -1
	for i, o := range opts {
		m := temporalOption.FindStringSubmatch(o)
		if m == nil {
			return solution{}, fmt.Errorf("cannot read option %q", o)
		}
		from, err1 := clockValue(m[1])
		to, err2 := clockValue(m[2])
		if err1 != nil || err2 != nil {
			return solution{}, fmt.Errorf("cannot read option %q", o)
		}
		if to == 0 {
			to = 24
		}
		ok := from >= wake && to <= closed && from < to
		for h := from; ok && h < to; h++ {
			ok = !busy[h]
		}
		if ok {
			if answer >= 0 {
				return solution{}, fmt.Errorf("options %s and %s both fit the free time", letter(answer), letter(i))
			}
			answer = i
		}
	}
	if answer < 0 {
		return solution{}, fmt.Errorf("no option lies in the free time (%s)", joinList(free))
	}
	return solution{target: letter(answer), steps: steps}, nil
}
