package anchors

import "encoding/json"

// The plain structs: written by hand, one set per benchmark frame, with the
// same fields (and JSON names) as the generated message, but the way a Go
// user writes them for encoding/json, sonic or goccy: an optional field is
// its plain type T (no wire.Opt), a nullable one a pointer (or T where nil
// already means null, for slices), named string types are string, and a
// union is replaced by the branch the frame carries. A union branch the
// frame does not carry stays json.RawMessage. TestPlainStructsCoverTheFrames
// holds every frame key to a field.

// astro: ChannelTipsMessage (generated/astro ChannelTipsMessage, Tip,
// TipDonation, TipDonor).
type astroTipsMessage struct {
	ID    string   `json:"id"`
	TS    string   `json:"ts"`
	Type  string   `json:"type"`
	Topic string   `json:"topic"`
	Room  string   `json:"room"`
	Data  astroTip `json:"data"`
}

type astroTip struct {
	ID            string           `json:"_id"`
	Channel       string           `json:"channel"`
	Provider      string           `json:"provider"`
	Donation      astroTipDonation `json:"donation"`
	Approved      string           `json:"approved"`
	ApprovedBy    string           `json:"approvedBy"`
	Status        string           `json:"status"`
	TransactionID string           `json:"transactionId"`
	CreatedAt     string           `json:"createdAt"`
	UpdatedAt     string           `json:"updatedAt"`
}

type astroTipDonation struct {
	User          astroTipDonor `json:"user"`
	Message       string        `json:"message"`
	Amount        float64       `json:"amount"`
	Currency      string        `json:"currency"`
	PaymentMethod string        `json:"paymentMethod"`
}

type astroTipDonor struct {
	Username string `json:"username"`
	Geo      string `json:"geo"`
	Email    string `json:"email"`
	Channel  string `json:"channel"`
}

// dlive: Data carrying a ChatText (generated/dlive Data, DataPayload,
// DataPayloadData, GraphQLError, ChatText, StreamchatUser); the
// StreamEvent union is the ChatText branch.
type dliveData struct {
	ID      string       `json:"id"`
	Type    string       `json:"type"`
	Payload dlivePayload `json:"payload"`
}

type dlivePayload struct {
	Data   *dlivePayloadData   `json:"data"`
	Errors []dliveGraphQLError `json:"errors"`
}

type dlivePayloadData struct {
	StreamMessageReceived        []dliveChatText `json:"streamMessageReceived"`
	TreasureChestMessageReceived json.RawMessage `json:"treasureChestMessageReceived"` // a union the frame does not carry
}

type dliveGraphQLError struct {
	Message   string                      `json:"message"`
	Path      []json.RawMessage           `json:"path"`
	Locations []dliveGraphQLErrorLocation `json:"locations"`
}

type dliveGraphQLErrorLocation struct {
	Line   int64 `json:"line"`
	Column int64 `json:"column"`
}

type dliveChatText struct {
	Typename    string              `json:"__typename"`
	Type        string              `json:"type"`
	Subscribing bool                `json:"subscribing"`
	Role        string              `json:"role"`
	RoomRole    string              `json:"roomRole"`
	Sender      dliveStreamchatUser `json:"sender"`
	ID          string              `json:"id"`
	Content     string              `json:"content"`
	CreatedAt   string              `json:"createdAt"`
	Emojis      []int64             `json:"emojis"`
	SubLength   int64               `json:"subLength"`
}

type dliveStreamchatUser struct {
	Typename      string   `json:"__typename"`
	ID            string   `json:"id"`
	Username      string   `json:"username"`
	Displayname   string   `json:"displayname"`
	Avatar        string   `json:"avatar"`
	PartnerStatus string   `json:"partnerStatus"`
	Badges        []string `json:"badges"`
	Effect        *string  `json:"effect"`
}

// neuro: Event carrying a SubathonUpdateEvent (generated/neuro Event,
// SubathonUpdateEvent, SubathonUpdateData, SubathonGoal,
// SubathonMilestone); the EventData union is the SubathonUpdateEvent
// branch.
type neuroEvent struct {
	Type string                   `json:"type"`
	Data neuroSubathonUpdateEvent `json:"data"`
}

type neuroSubathonUpdateEvent struct {
	EventType string                  `json:"eventType"`
	EventData neuroSubathonUpdateData `json:"eventData"`
	Timestamp int64                   `json:"timestamp"`
}

type neuroSubathonUpdateData struct {
	Year               int64                             `json:"year"`
	Name               string                            `json:"name"`
	Subcount           int64                             `json:"subcount"`
	Goals              map[string]neuroSubathonGoal      `json:"goals"`
	SubcountMilestones map[string]neuroSubathonMilestone `json:"subcountMilestones"`
	IsActive           bool                              `json:"isActive"`
	StartTimestamp     int64                             `json:"startTimestamp"`
	EndTimestamp       *int64                            `json:"endTimestamp"`
}

type neuroSubathonGoal struct {
	Name      string `json:"name"`
	Completed bool   `json:"completed"`
	Reached   bool   `json:"reached"`
}

type neuroSubathonMilestone struct {
	Timestamp int64 `json:"timestamp"`
}

// octave: EventMessage (generated/octave EventMessage, Event); elems,
// location and metadata are json.RawMessage there too.
type octaveEventMessage struct {
	Type     string      `json:"type"`
	Resource string      `json:"resource"`
	Value    octaveEvent `json:"value"`
}

type octaveEvent struct {
	ID            string            `json:"id"`
	StreamID      string            `json:"streamId"`
	Path          string            `json:"path"`
	CreationDate  int64             `json:"creationDate"`
	LastEditDate  int64             `json:"lastEditDate"`
	GeneratedDate *int64            `json:"generatedDate"`
	CreatorID     string            `json:"creatorId"`
	LastEditorID  string            `json:"lastEditorId"`
	Elems         json.RawMessage   `json:"elems"`
	Hash          *string           `json:"hash"`
	Location      json.RawMessage   `json:"location"`
	Metadata      json.RawMessage   `json:"metadata"`
	Tags          map[string]string `json:"tags"`
	Version       int64             `json:"version"`
}
