package longctx

import "strings"

// Word lists written for this project. Every list is lower-case letters
// only (tests hold them to it): no digit, hyphen or capital can leak into
// a haystack and be mistaken for a key, a value or a variable.

// Keys are adjective-noun pairs, e.g. "amber-lantern": 200 x 300 of them,
// enough distinct keys for a haystack of needles at a million tokens.
var keyAdjectives = strings.Fields(`
	amber azure bitter brave bright calm clever crimson dusty eager fancy gentle golden hollow humble
	icy jolly lively lucky misty noble quiet rapid rusty silent wild ancient arid ashen balmy
	bashful bold bony breezy brisk broad bronze bumpy busy candid cheerful chilly chubby civil
	cloudy coarse cobalt cosy crafty crisp crooked curly damp dapper daring deep dense dewy
	dim dizzy drowsy dry dull early earthy elegant empty even faded faint fair famous feisty
	fierce fine firm flat fluffy foggy fond formal frail frank free fresh frosty frugal funny
	fuzzy giant giddy glad glassy gloomy glossy grand grassy grave greasy great green grim
	gritty grumpy hardy hasty hazy hearty heavy hidden honest hungry husky idle inky jagged
	jaunty keen kind lanky large lavish lazy lean level light limp little lofty lonely long
	loud loyal mellow merry mighty mild minor modest moody muddy murky mute narrow neat nimble
	nosy nutty odd olive orange pale patient peaceful perky petty plain plump polite
	proud prudent purple quaint quick quirky ragged rainy rare raw ready regal rich rigid ripe
	rosy rough round royal rugged rustic sandy scarlet scenic secret serene shabby shady shaggy
	sharp shiny short shy silky silver simple sleepy slender slim slow sly small smoky smooth
	snowy soft solemn somber sour spare spotted stale steady steep sticky stiff stormy
	stout strict strong sturdy subtle sunny swift tame tangy tart tender tidy tiny tough tranquil
	tricky trim upbeat urban vague vast velvet vivid wary warm wavy weary windy wintry wise witty
	wooden woolly young zany zealous zesty`)

var keyNouns = strings.Fields(`
	lantern harbor meadow falcon compass orchard anchor canyon beacon cottage garden island kettle
	ladder marble mirror needle pebble quarry ribbon saddle tunnel violin willow window zephyr
	acorn almond anvil apron arch arrow attic badge bakery balcony bamboo banjo barn barrel basket
	beetle bell bench berry blanket blossom boulder bramble bridge brook broom bucket buckle
	button cabin cactus candle canoe canvas carpet castle cavern cedar cellar chapel chimney
	cinder cliff clover cobble comet copper coral cradle crater crayon creek cricket
	cushion dagger daisy desert dolphin donkey dragon drum dune eagle easel ember engine fable
	feather fence fern ferry fiddle fjord flag flute forest fossil fountain fox galley gazebo
	geyser glacier glove goblet gondola gorge granite grove guitar gull hammer hammock harp hat
	hawk hazel hedge helmet heron hill hive hornet horse igloo inkwell ivy jacket jasmine jetty
	jigsaw juniper kayak kernel kite lagoon lake lamp lark lattice laurel lemon lever lighthouse
	lily locket lodge loom lotus magnet mallet mango maple marsh mast meteor mill mitten moat
	monk moose moss mountain mulberry mushroom nectar nest nutmeg oak oar oasis olive onion
	otter owl paddle pagoda palace panther parcel parrot pasture peach pearl pelican pepper
	pier pillow pine pioneer pitcher plank plum pocket pond poplar porch potter prairie prism
	pumpkin puppet quail quill quilt rabbit raft rain raven reed reef ridge river robin rocket
	rose ruby rudder sail salmon sandal satchel scarf schooner scroll shell shepherd shore
	shovel shrub sickle silo skiff sled sleigh slope sparrow spindle spire spruce squirrel
	stable stair statue steeple stone stork stove stream summit swan sword tablet tailor tapestry
	teapot temple thicket thimble thistle thorn tiger timber torch tower trail trellis trumpet
	tulip turnip turtle valley vase velvet village vine walnut walrus wagon wand warbler wharf
	wheat wheel whistle wigwam windmill wizard wolf wren yacht yarn yeoman zebra zither
	bison bobcat buffalo camel caribou cheetah cobra condor cougar coyote crane crow deer dove
	elk ferret finch flamingo gazelle gecko goose gopher hare ibis jackal jaguar koala
	lemur leopard lizard llama lynx magpie mole newt ocelot oriole osprey panda pigeon puffin
	python raccoon reindeer salamander seal shark skunk sloth snail spider stallion starling
	toad toucan trout viper vulture weasel whale woodpecker yak`)

// commonWords are plain English words for the common-words task, written
// for the project. Rare words beyond them are pronounceable made-up words
// (pseudoWord), so a list of any length has distinct words.
var commonWords = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{keyNouns, keyAdjectives, strings.Fields(`
		apple autumn breakfast bread butter cabbage carrot chair cheese chicken cloud coffee cookie
		corner cotton dinner doctor dream evening farmer flower friend glass grape hallway holiday
		honey journey kitchen letter market mirror morning neighbor noodle orange painter paper
		pencil picnic planet potato puzzle rainbow sandwich season shadow sister soldier summer
		sunset supper teacher thunder ticket tomato tractor traveler uncle vacation visitor
		wallet winter yellow bottle camera doorway elbow finger garage helper jungle ladle
		mailbox napkin notebook oven parade pudding rooftop saucer spoon sweater table towel
		umbrella whisper zipper`)} {
		for _, w := range list {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}()

// pseudoWord returns the i-th made-up word: three consonant-vowel
// syllables and a final consonant, e.g. "bokanut". None is an English word
// of commonWords (a test holds it), and different i give different words.
func pseudoWord(i int) string {
	const cons, vows, ends = "bdfgklmnprstvz", "aeiou", "klmnrst"
	var b [7]byte
	n := 0
	for range 3 {
		b[n] = cons[i%len(cons)]
		i /= len(cons)
		b[n+1] = vows[i%len(vows)]
		i /= len(vows)
		n += 2
	}
	b[n] = ends[i%len(ends)]
	return string(b[:])
}

// pseudoWords is how many distinct pseudoWord values exist.
const pseudoWords = 14 * 5 * 14 * 5 * 14 * 5 * 7

// People, companies and cities for the generated QA documents.
var (
	firstNames = strings.Fields(`
		Ada Alba Alden Alma Amos Anika Arlo Astrid Basil Beatrix Bella Bram Bruno Calla Cato Cecil
		Celia Clara Clement Cora Cyrus Dalia Dario Delia Dorian Edda Edgar Edith Elias Elio Elsa
		Emil Enid Ezra Felix Fern Fiona Flora Frida Gideon Greta Gus Hana Hazel Hugo Ida Ignatius
		Imogen Ines Ira Iris Isla Ivo Jasper Jonah Juno Kai Kira Lars Leda Leo Lena Levi Lila Linus
		Lorna Lucia Luka Mabel Magnus Mara Margo Milo Mina Mira Nadia Nell Nico Nina Noor Odile
		Olga Omar Orla Oscar Otto Pablo Paloma Petra Philo Pia Quentin Quinn Rafael Remy Rhea Rosa
		Rufus Ruth Saul Selma Silas Soren Stella Tamsin Teo Thea Tobin Ursula Uma Vera Vida Viggo
		Wanda Wendel Xenia Yara Yusuf Zara Zeno Zora`)
	lastNames = strings.Fields(`
		Abbott Ainsley Alder Ashby Ashcombe Atwood Bancroft Barlow Beckett Bellamy Birch Blackwood
		Bramley Brennan Brightman Brook Burrows Calder Carver Castell Chandler Clayborne Colby Corwin
		Crane Cromwell Dalton Danvers Darrow Dawes Delmont Draper Dunmore Easton Ellery Elwood
		Fairfax Falk Farrow Fenwick Finch Fletcher Forsythe Galloway Garland Gilmore Glenn Goodwin
		Greaves Hale Halloway Harker Hartley Hawthorne Holloway Hollis Hopper Hurst Inglewood Ives
		Jarrow Keane Kendrick Kestrel Kingsley Lacey Lambert Langley Larkin Lawson Linwood Lockhart
		Lowell Lyle Maddox Marlow Mercer Merrick Milford Monroe Morrow Nash Nettleton Norwood Oakes
		Orwell Osgood Paget Pemberton Penrose Piper Prescott Quill Radley Ramsey Ravenscroft Redfern
		Rowan Rushworth Sayer Selwyn Sheldon Shepherd Sinclair Slater Stanton Sterling Stroud
		Sutton Tanner Thackeray Thorne Tolliver Trask Tremaine Underwood Vance Varga Vesper Wadsworth
		Waverly Webb Wexler Whitlock Wilder Winslow Woodley Wren Yardley Yates`)
	companyHeads = strings.Fields(`
		Acorn Alder Amber Anchor Apex Arbor Aster Atlas Aurora Beacon Birchwood Bluebell Bluewater
		Bramble Brightwater Cascade Cedar Clearwater Clover Cobalt Compass Copper Coral Crescent
		Crown Driftwood Eastbrook Ember Evergreen Fairwind Falcon Fernhill Firefly Foxglove Garnet
		Glacier Goldcrest Granite Greenleaf Harbor Hawthorn Heather Highland Hollow Horizon Ironwood
		Ivory Juniper Keystone Kingfisher Lakeside Lantern Larkspur Laurel Linden Lodestar Maple
		Marigold Meadow Meridian Millstone Moonrise Northwind Oakridge Onyx Orchard Pebble Pinecrest
		Polaris Quarry Quicksilver Rainier Redwood Ridgeline Riverbend Rosewood Saffron Sandstone
		Sapphire Seabright Silverline Skylark Slate Snowcap Southgate Sparrow Springfield Starling
		Stonebridge Summit Sunflower Thistle Timber Topaz Trillium Tundra Upland Valley Vantage
		Verdant Westwind Whitecap Wildflower Willowbrook Windmill Woodland Yarrow Zenith`)
	companyKinds = strings.Fields(`
		Textiles Mills Foods Bakeries Robotics Optics Logistics Publishing Shipping Ceramics Pharma
		Analytics Dynamics Foundry Brewing Orchards Instruments Furniture Motors Aviation Energy
		Software Studios Paper Glassworks Tea Coffee Outfitters Minerals Marine Labs Holdings
		Systems Tools Farms Pottery Apparel Electric Lumber Salt`)
	cityHeads = strings.Fields(`
		Ash Bay Bel Black Brack Bright Bram Burn Cald Carr Cold Corn Dal Dun East Elm Fair Fal Fern
		Glen Gold Gran Green Hal Har Hart High Holl Kel Kings Lang Lark Lin Loch Mar Mill Moor Nor
		Oak Pen Red Ridge Ros Ry Sal Sand Stan Stone Sut Thorn Tor Val West Whit Wil Wind Wood Yar`)
	citySuffixes = strings.Fields(`
		ford field haven mouth wick bury stead ton worth brook gate moor ley dale port cliff bridge
		holm mere well thorpe shaw wood vale`)
	cityTitles   = []string{"Port", "Lake", "Fort", "New", "North", "South"}
	instruments  = strings.Fields(`cello violin harp oboe flute trumpet accordion banjo bassoon clarinet mandolin piano saxophone trombone ukulele viola harmonica tuba zither bagpipes`)
	professions  = strings.Fields(`engineer accountant pilot chemist architect librarian surveyor translator geologist nurse carpenter editor botanist cartographer mechanic pharmacist curator statistician locksmith baker`)
	companyGoods = strings.Fields(`bicycles lanterns telescopes umbrellas kites boots clocks maps pianos sails tents teapots skates compasses blankets candles radios saddles ladders gloves`)
)
