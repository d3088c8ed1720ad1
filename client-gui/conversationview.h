// SPDX-License-Identifier: MIT
#pragma once

#include "conversation.h"

#include <QPlainTextEdit>
#include <QPointer>

class QToolButton;

// Shows a Conversation: one text block per line, timestamps, coloured names, links.
// A QPlainTextEdit lays out only what is on screen and drops the oldest block
// itself (maximumBlockCount), so ten thousand lines stay cheap; text goes in as
// plain text with formats, never as markup.
class ConversationView : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit ConversationView(Conversation *conversation, QWidget *parent = nullptr);

    Conversation *conversation() const { return m_conversation; }

    // Whether the view follows new lines: true unless the user scrolled up to read.
    bool isAtBottom() const;
    // Shown while the user reads further up and new lines arrive below.
    QToolButton *jumpButton() const { return m_jumpButton; }
    int newLinesBelow() const { return m_newLinesBelow; }
    void scrollToBottom();

    // The links in the text of a line, as they would be made clickable.
    static QList<QPair<qsizetype, qsizetype>> findLinks(const QString &text);
    static QUrl urlForLink(const QString &link);

Q_SIGNALS:
    void linkActivated(const QUrl &url);
    // Printable text typed while the view had the focus: it belongs in the input line.
    void textTyped(const QString &text);
    // The user scrolled to the very top: older lines are wanted.
    void scrolledToTop();

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void appendEntry(const Conversation::Entry &entry);
    void insertEntry(QTextCursor &cursor, const Conversation::Entry &entry);
    void rebuild();
    void updateTabStops();
    void updateJumpButton();

    QPointer<Conversation> m_conversation;
    QToolButton *m_jumpButton;
    QString m_pressedAnchor;
    int m_newLinesBelow = 0;
    bool m_empty = true;
};
