package bus

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
)

// Contract checks an event against the schema its topic carries: Check
// returns nil when payload is a valid event for topic, and refuses a
// dataschema (the event's ce_dataschema, "" when it has none) that is not
// the topic's schema. It fails closed on a topic it does not know, never
// quotes a payload value in its errors, and is safe for concurrent use.
//
// The bus knows no domain, so it only states the contract; the catalog's
// implementation is schemas/contracts. Contract is the same type as
// middleware.Contract, which the consumers' Validate middleware takes.
type Contract = middleware.Contract

// SchemaResolver is what a Contract may also do: tell the schema id that
// topic carries, so that CheckedPublisher can fill in ce_dataschema.
type SchemaResolver interface {
	SchemaFor(topic string) (id string, ok bool)
}

// CheckedPublisher is the publisher producers use: it checks every message
// against the Contract of its topic before anything is published. The
// consumers check again on receipt (middleware.Validate), since not every
// producer is ours.
//
// Do not give it to the router as the dead-letter publisher: a dead letter
// is often an invalid event, and must still be written.
type CheckedPublisher struct {
	pub      message.Publisher
	contract Contract
}

// NewCheckedPublisher returns a CheckedPublisher that publishes with pub the
// messages that pass contract. Closing it closes pub.
func NewCheckedPublisher(pub message.Publisher, contract Contract) (*CheckedPublisher, error) {
	var errs []error
	if pub == nil {
		errs = append(errs, errors.New("a publisher is required"))
	}
	if contract == nil {
		errs = append(errs, errors.New("a contract is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bus: checked publisher: %w", err)
	}
	return &CheckedPublisher{pub: pub, contract: contract}, nil
}

// CheckedPublishing returns a router publisher decorator that wraps every
// handler's publisher in a CheckedPublisher, so that what handlers produce is
// checked too: router.AddPublisherDecorators(bus.CheckedPublishing(c)). The
// router's dead-letter publisher is not a handler's and stays unchecked.
func CheckedPublishing(contract Contract) message.PublisherDecorator {
	return func(pub message.Publisher) (message.Publisher, error) {
		checked, err := NewCheckedPublisher(pub, contract)
		if err != nil {
			return nil, err
		}
		return checked, nil
	}
}

// Publish checks every message against the topic's contract, passing its
// ce_dataschema metadata when set, and publishes all of them, or none: when
// any message fails, it returns a *ContractError and publishes nothing. When
// all pass and the contract is a SchemaResolver, it sets ce_dataschema on
// the messages that lack it, so that consumers and the CloudEvents
// dataschema attribute name the schema; that is the only change it makes to
// msgs. Otherwise Publish is that of the wrapped publisher.
func (p *CheckedPublisher) Publish(topic string, msgs ...*message.Message) error {
	var broken []BrokenMessage
	for _, msg := range msgs {
		if err := p.contract.Check(topic, msg.Metadata.Get(HeaderDataSchema), msg.Payload); err != nil {
			broken = append(broken, BrokenMessage{UUID: msg.UUID, Err: err})
		}
	}
	if len(broken) > 0 {
		return &ContractError{Topic: topic, Messages: len(msgs), Broken: broken}
	}
	if r, ok := p.contract.(SchemaResolver); ok {
		if id, ok := r.SchemaFor(topic); ok {
			for _, msg := range msgs {
				if msg.Metadata.Get(HeaderDataSchema) == "" {
					msg.Metadata.Set(HeaderDataSchema, id)
				}
			}
		}
	}
	return p.pub.Publish(topic, msgs...)
}

// Close closes the wrapped publisher.
func (p *CheckedPublisher) Close() error { return p.pub.Close() }

// ContractError is returned by CheckedPublisher.Publish when messages break
// the contract of their topic; nothing of that call was published. Its text
// names the topic and each broken message by UUID with the contract's
// error, never a payload value. errors.Is and errors.As see the contract's
// errors through it.
type ContractError struct {
	Topic    string          // the topic published to
	Messages int             // how many messages the call had
	Broken   []BrokenMessage // the ones that failed, in call order
}

// BrokenMessage is one message that failed its contract.
type BrokenMessage struct {
	UUID string // the message's UUID, its ce_id
	Err  error  // the Contract's error
}

// maxBrokenListed bounds how many broken messages ContractError's text
// lists: a batch of thousands must not make an error of megabytes.
const maxBrokenListed = 10

// Error formats e as "bus: publish to <topic>: 2 of 5 messages break the
// contract, none published: message <uuid>: <error>; message <uuid>: …".
func (e *ContractError) Error() string {
	var b strings.Builder
	b.WriteString("bus: publish to ")
	b.WriteString(e.Topic)
	b.WriteString(": ")
	if e.Messages == 1 && len(e.Broken) == 1 {
		b.WriteString("the message breaks the contract, not published: ")
	} else {
		b.WriteString(strconv.Itoa(len(e.Broken)) + " of " + strconv.Itoa(e.Messages) + " messages break the contract, none published: ")
	}
	for i, m := range e.Broken {
		if i == maxBrokenListed {
			b.WriteString("; and " + strconv.Itoa(len(e.Broken)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("message " + m.UUID + ": " + m.Err.Error())
	}
	return b.String()
}

// Unwrap returns the contract's errors, one per broken message.
func (e *ContractError) Unwrap() []error {
	errs := make([]error, len(e.Broken))
	for i, m := range e.Broken {
		errs[i] = m.Err
	}
	return errs
}
