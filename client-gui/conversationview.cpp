// SPDX-License-Identifier: MIT
#include "conversationview.h"

#include "namecolor.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextDocument>
#include <QToolButton>
#include <QUrl>

ConversationView::ConversationView(Conversation *conversation, QWidget *parent)
    : QPlainTextEdit(parent), m_conversation(conversation), m_jumpButton(new QToolButton(this))
{
    m_jumpButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_jumpButton->setCursor(Qt::ArrowCursor);
    m_jumpButton->setToolTip(tr("Jump to the newest message"));
    m_jumpButton->hide();
    connect(m_jumpButton, &QToolButton::clicked, this, &ConversationView::scrollToBottom);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        if (isAtBottom() && m_newLinesBelow > 0)
            m_newLinesBelow = 0;
        updateJumpButton();
        const QScrollBar *bar = verticalScrollBar();
        if (bar->maximum() > 0 && bar->value() == bar->minimum())
            Q_EMIT scrolledToTop();
    });

    setReadOnly(true);
    setUndoRedoEnabled(false);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setMaximumBlockCount(conversation->scrollbackLimit());
    setFrameShape(QFrame::NoFrame);
    viewport()->setMouseTracking(true);
    document()->setDocumentMargin(6);

    connect(conversation, &Conversation::entryAppended, this, &ConversationView::appendEntry);
    connect(conversation, &Conversation::cleared, this, &ConversationView::rebuild);
    // Rare (a line typed before the join went out): redrawing all is simplest.
    connect(conversation, &Conversation::entriesChanged, this, &ConversationView::rebuild);
    rebuild();
}

bool ConversationView::isAtBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    return bar->value() >= bar->maximum();
}

QList<QPair<qsizetype, qsizetype>> ConversationView::findLinks(const QString &text)
{
    static const QRegularExpression link(
        QStringLiteral("\\b(?:https?://|ftp://|www\\.)[^\\s<>\"]+"),
        QRegularExpression::CaseInsensitiveOption);
    QList<QPair<qsizetype, qsizetype>> links;
    QRegularExpressionMatchIterator it = link.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        QString found = match.captured();
        // "see https://x.org/a)." means the link without the closing punctuation,
        // unless the link opened the parenthesis itself (Wikipedia style).
        while (!found.isEmpty()) {
            const QChar last = found.back();
            const bool unbalanced = last == u')' && found.count(u'(') < found.count(u')');
            if (QStringLiteral(".,;:!?'").contains(last) || unbalanced)
                found.chop(1);
            else
                break;
        }
        if (found.size() > 4)
            links.append({ match.capturedStart(), found.size() });
    }
    return links;
}

QUrl ConversationView::urlForLink(const QString &link)
{
    if (link.startsWith(QLatin1StringView("www."), Qt::CaseInsensitive))
        return QUrl(QLatin1StringView("http://") + link, QUrl::TolerantMode);
    return QUrl(link, QUrl::TolerantMode);
}

void ConversationView::updateTabStops()
{
    // Columns: time, the name right-aligned against the text, then the text.
    const QFontMetricsF metrics(font());
    const qreal timeWidth = metrics.horizontalAdvance(QStringLiteral("00:00"));
    const qreal gap = metrics.horizontalAdvance(u' ') * 1.5;
    const qreal nameEnd = timeWidth + gap + metrics.averageCharWidth() * 12;
    QTextOption option = document()->defaultTextOption();
    option.setTabs({ QTextOption::Tab(nameEnd, QTextOption::RightTab),
                     QTextOption::Tab(nameEnd + gap, QTextOption::LeftTab) });
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    document()->setDefaultTextOption(option);
}

void ConversationView::insertEntry(QTextCursor &cursor, const Conversation::Entry &entry)
{
    const QPalette pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const QColor dim = NameColor::blend(text, base, 0.55);

    QTextBlockFormat block;
    // Mentions get a warm tint, apart from the (usually blue) selection colour.
    if (entry.mention)
        block.setBackground(NameColor::blend(QColor(0xff, 0xb0, 0x20), base, 0.25));
    else if (entry.own)
        block.setBackground(NameColor::blend(text, base, 0.05));
    if (entry.kind == Conversation::Kind::DayChange)
        block.setAlignment(Qt::AlignHCenter);
    block.setTopMargin(entry.kind == Conversation::Kind::DayChange ? 6 : 0);

    QTextCharFormat plain;
    plain.setForeground(text);
    if (m_empty) {
        cursor.setBlockFormat(block);
        cursor.setBlockCharFormat(plain);
        m_empty = false;
    } else {
        cursor.insertBlock(block, plain);
    }

    QTextCharFormat dimFormat;
    dimFormat.setForeground(dim);
    if (entry.kind == Conversation::Kind::DayChange) {
        cursor.insertText(QStringLiteral("— %1 —").arg(entry.text), dimFormat);
        return;
    }

    cursor.insertText(entry.time.toString(QStringLiteral("HH:mm")), dimFormat);
    cursor.insertText(QStringLiteral("\t"), plain);

    QTextCharFormat nameFormat;
    nameFormat.setFontWeight(QFont::Bold);
    nameFormat.setForeground(NameColor::forName(entry.sender, pal));
    QTextCharFormat bodyFormat = plain;
    if (entry.pending)
        bodyFormat = dimFormat;
    if (entry.failed)
        bodyFormat.setFontStrikeOut(true);
    switch (entry.kind) {
    case Conversation::Kind::Message:
        cursor.insertText(entry.sender, nameFormat);
        break;
    case Conversation::Kind::Action:
        cursor.insertText(QStringLiteral("*"), nameFormat);
        break;
    case Conversation::Kind::Notice:
        cursor.insertText(QStringLiteral("–"), dimFormat);
        bodyFormat = dimFormat;
        break;
    case Conversation::Kind::Error:
        cursor.insertText(QStringLiteral("!"), dimFormat);
        bodyFormat.setForeground(NameColor::isDark(pal) ? QColor(0xff, 0x80, 0x80)
                                                        : QColor(0xc0, 0x1c, 0x28));
        break;
    case Conversation::Kind::DayChange:
        break;
    }
    cursor.insertText(QStringLiteral("\t"), plain);

    QString body = entry.text;
    // One line of the conversation is one block: keep the message's own line breaks inside it.
    body.replace(u'\n', QChar::LineSeparator);
    qsizetype position = 0;
    if (entry.kind == Conversation::Kind::Action) {
        cursor.insertText(entry.sender, nameFormat);
        cursor.insertText(QStringLiteral(" "), bodyFormat);
    }
    for (const auto &[start, length] : findLinks(body)) {
        if (start > position)
            cursor.insertText(body.mid(position, start - position), bodyFormat);
        const QString link = body.mid(start, length);
        QTextCharFormat linkFormat = bodyFormat;
        linkFormat.setAnchor(true);
        linkFormat.setAnchorHref(urlForLink(link).toString());
        linkFormat.setForeground(pal.color(QPalette::Link));
        linkFormat.setFontUnderline(true);
        cursor.insertText(link, linkFormat);
        position = start + length;
    }
    if (position < body.size())
        cursor.insertText(body.mid(position), bodyFormat);
    if (entry.pending)
        cursor.insertText(tr(" (sending once connected…)"), dimFormat);
}

void ConversationView::appendEntry(const Conversation::Entry &entry)
{
    const bool follow = isAtBottom();
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    insertEntry(cursor, entry);
    cursor.endEditBlock();
    if (follow) {
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    } else if (entry.kind == Conversation::Kind::Message
               || entry.kind == Conversation::Kind::Action) {
        ++m_newLinesBelow;
        updateJumpButton();
    }
}

void ConversationView::scrollToBottom()
{
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

void ConversationView::updateJumpButton()
{
    const bool show = !isAtBottom() && m_newLinesBelow > 0;
    if (show) {
        m_jumpButton->setText(tr("↓ %1 new").arg(m_newLinesBelow));
        m_jumpButton->adjustSize();
        const QRect area = viewport()->geometry();
        m_jumpButton->move(area.right() - m_jumpButton->width() - 8,
                           area.bottom() - m_jumpButton->height() - 8);
        m_jumpButton->raise();
    }
    m_jumpButton->setVisible(show);
}

void ConversationView::rebuild()
{
    const bool follow = isAtBottom();
    const int oldValue = verticalScrollBar()->value();
    setUpdatesEnabled(false);
    clear();
    m_empty = true;
    updateTabStops();
    if (m_conversation) {
        setMaximumBlockCount(m_conversation->scrollbackLimit());
        QTextCursor cursor(document());
        cursor.beginEditBlock();
        for (const Conversation::Entry &entry : m_conversation->entries())
            insertEntry(cursor, entry);
        cursor.endEditBlock();
    }
    setUpdatesEnabled(true);
    verticalScrollBar()->setValue(follow ? verticalScrollBar()->maximum() : oldValue);
}

void ConversationView::changeEvent(QEvent *event)
{
    QPlainTextEdit::changeEvent(event);
    // Colours and columns are baked into the text formats: redo them for a new theme or font.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        rebuild();
}

void ConversationView::resizeEvent(QResizeEvent *event)
{
    const bool follow = isAtBottom();
    QPlainTextEdit::resizeEvent(event);
    if (follow)
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    updateJumpButton();
}

void ConversationView::mousePressEvent(QMouseEvent *event)
{
    m_pressedAnchor =
        event->button() == Qt::LeftButton ? anchorAt(event->position().toPoint()) : QString();
    QPlainTextEdit::mousePressEvent(event);
}

void ConversationView::mouseMoveEvent(QMouseEvent *event)
{
    const bool overLink = !anchorAt(event->position().toPoint()).isEmpty();
    viewport()->setCursor(overLink ? Qt::PointingHandCursor : Qt::IBeamCursor);
    QPlainTextEdit::mouseMoveEvent(event);
}

void ConversationView::mouseReleaseEvent(QMouseEvent *event)
{
    QPlainTextEdit::mouseReleaseEvent(event);
    // A click, not a drag to select: open the link under the pointer.
    if (event->button() == Qt::LeftButton && !m_pressedAnchor.isEmpty()
        && !textCursor().hasSelection() && anchorAt(event->position().toPoint()) == m_pressedAnchor)
        Q_EMIT linkActivated(QUrl(m_pressedAnchor));
    m_pressedAnchor.clear();
}

void ConversationView::keyPressEvent(QKeyEvent *event)
{
    const Qt::KeyboardModifiers modifiers =
        event->modifiers() & ~(Qt::ShiftModifier | Qt::KeypadModifier);
    const QString text = event->text();
    if (modifiers == Qt::NoModifier && !text.isEmpty() && text.at(0).isPrint()) {
        Q_EMIT textTyped(text);
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}
