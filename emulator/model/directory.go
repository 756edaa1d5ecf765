package model

import "github.com/graphsec/graphsec/emulator/odata"

// userDefaultProperties are the properties GET /me and GET /users/{id}
// return without $select (§6), in the order the docs list them.
var userDefaultProperties = []string{
	"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone",
	"officeLocation", "preferredLanguage", "surname", "userPrincipalName",
}

// UserDefaultProperties returns the names of the properties /me returns
// without $select (a fresh slice).
func UserDefaultProperties() []string { return append([]string(nil), userDefaultProperties...) }

// directory declares user, message (for sendMail) and subscription.
//
// users: $filter on every declared property; $orderby on displayName and
// userPrincipalName (what the directory supports without advanced
// queries). messages and subscriptions take no query options (§5.2, and
// sendMail is an action), so no flags are set on them.
func (b *builder) directory() {
	userProps := allow(filterAll([]odata.Property{
		id(),
		boolean("accountEnabled"),
		strs("businessPhones"),
		str("city"),
		str("companyName"),
		str("country"),
		dt("createdDateTime"),
		str("department"),
		str("displayName"),
		str("employeeId"),
		str("givenName"),
		str("jobTitle"),
		str("mail"),
		str("mailNickname"),
		str("mobilePhone"),
		str("officeLocation"),
		str("preferredLanguage"),
		str("surname"),
		str("usageLocation"),
		str("userPrincipalName"),
		str("userType"),
	}), nil, []string{"displayName", "userPrincipalName"})
	b.s.User = b.typ(graphNS+"user", nil, userProps...)

	emailAddress := b.typ(graphNS+"emailAddress", nil, str("address"), str("name"))
	recipient := b.typ(graphNS+"recipient", nil, cx("emailAddress", emailAddress))
	itemBody := b.typ(graphNS+"itemBody", nil, str("content"), enum("contentType", b.enum("bodyType")))
	header := b.typ(graphNS+"internetMessageHeader", nil, str("name"), str("value"))
	dtz := b.typ(graphNS+"dateTimeTimeZone", nil, str("dateTime"), str("timeZone"))
	flag := b.typ(graphNS+"followupFlag", nil,
		cx("completedDateTime", dtz), cx("dueDateTime", dtz), enum("flagStatus", b.enum("followupFlagStatus")), cx("startDateTime", dtz))

	attachment := b.typ(graphNS+"attachment", nil,
		id(), str("contentType"), boolean("isInline"), dt("lastModifiedDateTime"), str("name"), integer("size"))
	// contentBytes is Edm.Binary: base64 text on the wire, kept as a string.
	b.typ(graphNS+"fileAttachment", attachment, str("contentBytes"), str("contentId"), str("contentLocation"))
	b.s.Attachment = attachment

	b.s.Message = b.typ(graphNS+"message", nil,
		id(),
		nav(cxs("attachments", attachment)),
		cxs("bccRecipients", recipient),
		cx("body", itemBody),
		str("bodyPreview"),
		strs("categories"),
		cxs("ccRecipients", recipient),
		str("changeKey"),
		str("conversationId"),
		dt("createdDateTime"),
		cx("flag", flag),
		cx("from", recipient),
		boolean("hasAttachments"),
		enum("importance", b.enum("importance")),
		cxs("internetMessageHeaders", header),
		str("internetMessageId"),
		boolean("isDeliveryReceiptRequested"),
		boolean("isDraft"),
		boolean("isRead"),
		boolean("isReadReceiptRequested"),
		dt("lastModifiedDateTime"),
		str("parentFolderId"),
		dt("receivedDateTime"),
		cxs("replyTo", recipient),
		cx("sender", recipient),
		dt("sentDateTime"),
		str("subject"),
		cxs("toRecipients", recipient),
		cx("uniqueBody", itemBody),
		str("webLink"),
	)

	// notificationContentType is not in the v1.0 CSDL but appears in the
	// docs' samples, so clients send it; it is declared so that such a
	// request validates. NotNull follows the facts, which mark the four
	// required properties "Required" but not non-null: the subscription
	// handler enforces their presence with the service's own messages.
	b.s.Subscription = b.typ(graphNS+"subscription", nil,
		id(),
		str("applicationId"),
		str("changeType"),
		str("clientState"),
		str("creatorId"),
		str("encryptionCertificate"),
		str("encryptionCertificateId"),
		dt("expirationDateTime"),
		boolean("includeResourceData"),
		str("latestSupportedTlsVersion"),
		str("lifecycleNotificationUrl"),
		str("notificationContentType"),
		str("notificationQueryOptions"),
		str("notificationUrl"),
		str("notificationUrlAppId"),
		str("resource"),
	)
}
