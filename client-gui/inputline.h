// SPDX-License-Identifier: MIT
#pragma once

#include <QLineEdit>
#include <QStringList>

// The line the user types into: Up and Down walk through what was sent before
// (keeping the unsent draft), Tab completes a name, Page Up and Page Down
// scroll the conversation without leaving the keyboard.
class InputLine : public QLineEdit
{
    Q_OBJECT
public:
    // Lines kept for Up/Down.
    static constexpr int HistoryLimit = 200;

    explicit InputLine(QWidget *parent = nullptr);

    // The text was handled: remember it for Up/Down and empty the line.
    void commit();
    QStringList history() const { return m_history; }

    void setCompletionNames(const QStringList &names);

Q_SIGNALS:
    void submitted(const QString &text);
    // -1 one page up, +1 one page down
    void pageRequested(int direction);

protected:
    bool event(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void recall(int step);
    void complete();

    QStringList m_history;
    int m_historyIndex = -1; // -1: editing the draft
    QString m_draft;
    QStringList m_completionNames;
    // State of a completion that repeated Tab presses cycle through.
    QStringList m_candidates;
    int m_candidateIndex = -1;
    int m_completionStart = 0;
    QString m_completionRest;
};
